package io.raftwire.grpc.internal.wire;

import io.raftwire.message.Heartbeat;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The heartbeat part of an inbound batch: its stream sequence number and its records (none: a
 * liveness beacon), or, if a record was out of range, why the part is malformed (it is then
 * refused as one). Immutable.
 */
public final class InboundHeartbeats {
  private final long seq;
  private final List<Heartbeat> records;
  private final @Nullable String malformed;

  private InboundHeartbeats(long seq, List<Heartbeat> records, @Nullable String malformed) {
    this.seq = seq;
    this.records = records;
    this.malformed = malformed;
  }

  static InboundHeartbeats of(long seq, List<Heartbeat> records) {
    return new InboundHeartbeats(seq, Collections.unmodifiableList(records), null);
  }

  static InboundHeartbeats malformed(long seq, String detail) {
    return new InboundHeartbeats(seq, List.of(), detail);
  }

  /** {@return the part's stream sequence number} */
  public long seq() {
    return seq;
  }

  /** {@return the records in the order they were written; empty for a beacon or a malformed part} */
  public List<Heartbeat> records() {
    return records;
  }

  /** {@return why the part is malformed, or null if it is well formed} */
  public @Nullable String malformed() {
    return malformed;
  }
}
