package io.raftwire.grpc.snapshot;

import io.raftwire.grpc.wire.SnapshotMetaProto;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.topology.RangeId;

/** Converts snapshot metadata to and from the wire. */
final class SnapshotWire {
  /** The snapshot protocol version this code speaks. */
  static final int VERSION = 1;

  private SnapshotWire() {}

  static SnapshotMetaProto proto(SnapshotMeta meta) {
    return SnapshotMetaProto.newBuilder()
        .setRangeId(meta.range().value())
        .setIndex(meta.index())
        .setTerm(meta.term())
        .setConfigGeneration(meta.configGeneration())
        .setSizeBytes(meta.sizeBytes())
        .setCrc32C(meta.crc32c())
        .build();
  }

  /** @throws IllegalArgumentException if the fields are out of range */
  static SnapshotMeta meta(SnapshotMetaProto proto) {
    return SnapshotMeta.of(RangeId.of(proto.getRangeId()), proto.getIndex(), proto.getTerm(),
        proto.getConfigGeneration(), proto.getSizeBytes(), proto.getCrc32C());
  }
}
