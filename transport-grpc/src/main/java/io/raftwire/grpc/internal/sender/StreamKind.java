package io.raftwire.grpc.internal.sender;

import io.raftwire.grpc.internal.peer.ChannelKind;
import io.raftwire.message.TrafficClass;

/** The two streams to a destination: CONTROL carries its lane, DATA the APPEND and SNAPSHOT lanes. */
enum StreamKind {
  CONTROL,
  DATA;

  /** The stream that carries {@code lane}. */
  static StreamKind of(TrafficClass lane) {
    return lane == TrafficClass.CONTROL ? CONTROL : DATA;
  }

  ChannelKind channel() {
    return this == CONTROL ? ChannelKind.CONTROL : ChannelKind.DATA;
  }

  io.raftwire.grpc.internal.wire.Lane wire() {
    return this == CONTROL ? io.raftwire.grpc.internal.wire.Lane.LANE_CONTROL : io.raftwire.grpc.internal.wire.Lane.LANE_DATA;
  }
}
