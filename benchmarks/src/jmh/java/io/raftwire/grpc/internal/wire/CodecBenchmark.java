package io.raftwire.grpc.internal.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The wire codec alone: a batch of {@value #BATCH} APPEND envelopes (one entry of {@code
 * entryBytes} each) encoded to the bytes of one frame, and those bytes decoded back into envelopes.
 * Scores are per envelope. The transport's codec ({@link OutboundFrame}, {@link InboundFrame}) sits
 * behind {@link #encode} and {@link #decode}; the {@code ...Generated} benchmarks run the same
 * batch through the generated protobuf classes, as a baseline measured in the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {
  static final int BATCH = 64;
  private static final StoreId SENDER = StoreId.of(1);

  @Param({"64", "1024", "16384"})
  public int entryBytes;

  private List<RaftEnvelope> messages;
  private byte[] frame;
  private final Sink sink = new Sink();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    messages = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      messages.add(RaftEnvelope.builder()
          .range(RangeId.of(1 + i % 8))
          .from(ReplicaAddress.of(SENDER, 1))
          .to(ReplicaAddress.of(StoreId.of(2), 2))
          .trafficClass(TrafficClass.APPEND)
          .payload(ByteBuffer.allocate(8).putLong(i).array())
          .entries(List.of(LogEntry.of(i + 1, 1, new byte[entryBytes])))
          .build());
    }
    frame = encode(messages, new Sink()).clone();
    if (!decode(frame).equals(messages) || !decodeGenerated(encodeGenerated(messages)).equals(messages)
        || !Arrays.equals(frame, encodeGenerated(messages))) {
      throw new IllegalStateException("the codecs do not round-trip to the same bytes and envelopes");
    }
  }

  /**
   * The codec's encode: envelopes to the bytes of one frame, drained into {@code sink} as gRPC
   * drains it into its (pooled, reused) buffer.
   */
  static byte[] encode(List<RaftEnvelope> batch, Sink sink) {
    OutboundFrame.Builder b = OutboundFrame.builder(batch.size());
    long seq = 1;
    for (RaftEnvelope envelope : batch) {
      b.add(envelope, seq++, false);
    }
    OutboundFrame frame = b.build();
    sink.reset(frame.frameBytes());
    try {
      frame.drainTo(sink);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sink.bytes;
  }

  /** A reusable buffer to drain frames into, standing in for gRPC's pooled buffers. */
  static final class Sink extends OutputStream {
    byte[] bytes = new byte[0];
    private int position;

    void reset(int capacity) {
      if (bytes.length != capacity) {
        bytes = new byte[capacity];
      }
      position = 0;
    }

    @Override
    public void write(int b) {
      bytes[position++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      System.arraycopy(b, off, bytes, position, len);
      position += len;
    }
  }

  /** The codec's decode: the bytes of one frame back to envelopes. */
  static List<RaftEnvelope> decode(byte[] bytes) throws IOException {
    List<InboundEnvelope> wire = InboundFrame.read(new ByteArrayInputStream(bytes), SENDER).envelopes();
    List<RaftEnvelope> batch = new ArrayList<>(wire.size());
    for (InboundEnvelope envelope : wire) {
      batch.add(envelope.envelope());
    }
    return batch;
  }

  /** The generated classes' encode of the same batch. */
  static byte[] encodeGenerated(List<RaftEnvelope> batch) {
    Batch.Builder b = Batch.newBuilder();
    long seq = 1;
    for (RaftEnvelope envelope : batch) {
      b.addEnvelopes(WireCodec.encode(envelope, seq++));
    }
    return ClientFrame.newBuilder().setBatch(b).build().toByteArray();
  }

  /** The generated classes' decode of the same bytes. */
  static List<RaftEnvelope> decodeGenerated(byte[] bytes) throws InvalidProtocolBufferException {
    List<Envelope> wire = ClientFrame.parseFrom(bytes).getBatch().getEnvelopesList();
    List<RaftEnvelope> batch = new ArrayList<>(wire.size());
    for (Envelope envelope : wire) {
      try {
        batch.add(WireCodec.decode(envelope, SENDER));
      } catch (MalformedEnvelopeException e) {
        throw new IllegalStateException(e);
      }
    }
    return batch;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[] encodeBatch() {
    return encode(messages, sink);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void decodeBatch(Blackhole hole) throws IOException {
    for (RaftEnvelope envelope : decode(frame)) {
      hole.consume(envelope);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[] encodeBatchGenerated() {
    return encodeGenerated(messages);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void decodeBatchGenerated(Blackhole hole) throws InvalidProtocolBufferException {
    for (RaftEnvelope envelope : decodeGenerated(frame)) {
      hole.consume(envelope);
    }
  }
}
