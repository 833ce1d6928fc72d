package io.raftwire.grpc.internal.sender;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.raftwire.grpc.internal.peer.ChannelKind;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.TrafficClass;

/** The two streams to a destination: CONTROL carries its lane, DATA the APPEND and SNAPSHOT lanes. */
enum StreamKind {
  CONTROL,
  DATA;

  private static final ClientInterceptor CONTROL_HEADER = MetadataUtils.newAttachHeadersInterceptor(laneHeader(WireCodec.CONTROL_LANE));
  private static final ClientInterceptor DATA_HEADER = MetadataUtils.newAttachHeadersInterceptor(laneHeader(WireCodec.DATA_LANE));

  private static Metadata laneHeader(String lane) {
    Metadata headers = new Metadata();
    headers.put(WireCodec.LANE_HEADER, lane);
    return headers;
  }

  /** Adds the stream's {@link WireCodec#LANE_HEADER} to its call. */
  ClientInterceptor header() {
    return this == CONTROL ? CONTROL_HEADER : DATA_HEADER;
  }

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
