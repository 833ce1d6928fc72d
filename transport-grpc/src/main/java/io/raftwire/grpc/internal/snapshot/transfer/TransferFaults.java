package io.raftwire.grpc.internal.snapshot.transfer;

import io.raftwire.topology.RangeId;

/** Hooks that damage a transfer on purpose, for tests of the recovery paths; {@link #NONE} does nothing. */
public interface TransferFaults {
  /** No damage. */
  TransferFaults NONE = new TransferFaults() {};

  /** Returns true to flip a bit of the chunk at {@code offset} after its CRC was computed. */
  default boolean corrupt(RangeId range, long offset) {
    return false;
  }

  /** Returns true to break the stream just before sending the chunk at {@code offset}. */
  default boolean breakStream(RangeId range, long offset) {
    return false;
  }
}
