package io.raftwire.bench;

import io.raftwire.grpc.internal.wire.Batch;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.TrafficClass;
import java.io.IOException;

/**
 * The ceiling ({@code raw}, {@code raw-tls}): raw gRPC bidirectional streaming ({@link RawStream})
 * of envelopes batched like raftwire (up to 1 MiB or 1024 per frame), written only while the
 * stream is ready — and nothing else (no queues, lanes, budgets, acks, delivery threads). Per
 * message, the sender does nothing: it encodes one frame once, before the stream opens, and writes
 * that same frame object again and again (gRPC serializes it on every write). Per message, the
 * receiver does nothing either: the generated marshaller parses each frame, and the receiver counts
 * its envelopes without reading them. Over plaintext, or over mutual TLS with gRPC's own TLS
 * credentials (the TLS ceiling: what TLS costs gRPC alone).
 */
final class RawCeiling {
  private RawCeiling() {}

  /**
   * Streams envelopes with {@code bytes} of entry data until the stream is closed.
   *
   * @param tls whether to run over mutual TLS, with certificates made now
   */
  static RawStream start(boolean tls, int bytes) throws IOException, InterruptedException {
    int count = RawStream.batchMessages(bytes);
    Batch.Builder batch = Batch.newBuilder();
    for (int i = 0; i < count; i++) {
      batch.addEnvelopes(WireCodec.encode(Transports.message(1 + i % 8, TrafficClass.APPEND, i, bytes), i + 1));
    }
    ClientFrame frame = ClientFrame.newBuilder().setBatch(batch).build();
    RawStream stream = new RawStream(tls, f -> f.getBatch().getEnvelopesCount());
    stream.start(() -> frame);
    return stream;
  }
}
