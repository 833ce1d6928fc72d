package io.raftwire.grpc.internal.snapshot.transfer;

import io.raftwire.grpc.internal.wire.SnapshotMetaProto;
import io.raftwire.grpc.internal.wire.SnapshotRefused;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.topology.RangeId;

/** Converts snapshot metadata to and from the wire. */
public final class SnapshotWire {
  /** The snapshot protocol version this code speaks. */
  public static final int VERSION = 1;

  private SnapshotWire() {}

  public static SnapshotMetaProto proto(SnapshotMeta meta) {
    return SnapshotMetaProto.newBuilder()
        .setRangeId(meta.range().value())
        .setIndex(meta.index())
        .setTerm(meta.term())
        .setConfigGeneration(meta.configGeneration())
        .setSizeBytes(meta.sizeBytes())
        .setCrc32C(meta.crc32c())
        .build();
  }

  /**
   * The metadata a wire message carries.
   *
   * @throws IllegalArgumentException if the fields are out of range
   */
  public static SnapshotMeta meta(SnapshotMetaProto proto) {
    return SnapshotMeta.of(RangeId.of(proto.getRangeId()), proto.getIndex(), proto.getTerm(),
        proto.getConfigGeneration(), proto.getSizeBytes(), proto.getCrc32C());
  }

  public static int purpose(SnapshotPurpose purpose) {
    return purpose == SnapshotPurpose.CATCH_UP ? 0 : 1;
  }

  public static SnapshotPurpose purpose(int wire) {
    return wire == 0 ? SnapshotPurpose.CATCH_UP : SnapshotPurpose.REBALANCE;
  }

  public static SnapshotRefused refused(SnapshotFailure failure, String message) {
    return SnapshotRefused.newBuilder().setFailure(failure.name()).setMessage(message).build();
  }

  /** The failure a refusal names; INVALID if it names none this code knows (a newer peer). */
  public static SnapshotFailure failure(SnapshotRefused refused) {
    try {
      return SnapshotFailure.valueOf(refused.getFailure());
    } catch (IllegalArgumentException e) {
      return SnapshotFailure.INVALID;
    }
  }

  /** The failure of a completed future's exception: its SnapshotException's, else INVALID. */
  public static SnapshotException unwrap(Throwable t) {
    Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    return cause instanceof SnapshotException ? (SnapshotException) cause
        : new SnapshotException(SnapshotFailure.INVALID, String.valueOf(cause), cause);
  }
}
