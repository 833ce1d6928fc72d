package io.raftwire.grpc.internal.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.nio.ByteBuffer;
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
 * Scores are per envelope. The codec under test sits behind {@link #encode} and {@link #decode}:
 * switching to another codec changes those two methods only.
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

  @Setup(Level.Trial)
  public void setUp() throws InvalidProtocolBufferException {
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
    frame = encode(messages);
    if (decode(frame).size() != BATCH) {
      throw new IllegalStateException("the codec does not round-trip");
    }
  }

  /** The codec's encode: envelopes to the bytes of one frame. */
  static byte[] encode(List<RaftEnvelope> batch) {
    Batch.Builder b = Batch.newBuilder();
    long seq = 1;
    for (RaftEnvelope envelope : batch) {
      b.addEnvelopes(WireCodec.encode(envelope, seq++));
    }
    return ClientFrame.newBuilder().setBatch(b).build().toByteArray();
  }

  /** The codec's decode: the bytes of one frame back to envelopes. */
  static List<RaftEnvelope> decode(byte[] bytes) throws InvalidProtocolBufferException {
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
    return encode(messages);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void decodeBatch(Blackhole hole) throws InvalidProtocolBufferException {
    for (RaftEnvelope envelope : decode(frame)) {
      hole.consume(envelope);
    }
  }
}
