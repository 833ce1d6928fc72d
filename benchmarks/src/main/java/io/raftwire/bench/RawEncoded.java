package io.raftwire.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.raftwire.grpc.internal.wire.Batch;
import io.raftwire.grpc.internal.wire.ClientFrame;
import io.raftwire.grpc.internal.wire.Entry;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.Priority;
import io.raftwire.grpc.internal.wire.TrafficClass;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The encoded baseline ({@code raw-encoded}): the same plain gRPC stream as {@link RawCeiling}
 * ({@link RawStream}: direct executor on both sides, the same channel and server settings,
 * batches of up to 1 MiB or 1024 messages, written only while the stream is ready), but doing per
 * message what a careful user of raw gRPC would. Per message, the sender builds one protobuf
 * {@link Envelope} from that message's own fields (sequence number, range, replicas, traffic
 * class, priority) and bytes: its 8-byte payload and one {@link Entry} (index, term, data) whose
 * {@code bytes} of data are wrapped, not copied ({@link UnsafeByteOperations#unsafeWrap(byte[])}
 * of a byte array the harness holds); it adds the envelopes to a new frame, which gRPC serializes
 * on the write. Per message, the receiver, after the generated marshaller parsed the frame (which
 * copies each payload and entry's data out of the network buffers), reads the envelope's fields
 * and each entry's index, term and {@code getData()} as a user's handler would, checks them
 * cheaply and counts the message. Plaintext only.
 */
final class RawEncoded implements Supplier<ClientFrame> {
  private static final int RANGES = 8;
  private static final long SENDER_REPLICA = 1;
  private static final long RECEIVER_REPLICA = 2;

  /** The messages the harness holds, one per range; each is sent again and again. */
  private final Message[] messages = new Message[RANGES];

  private final int perFrame;
  /** The stream's next sequence number; only the on-ready handler (one at a time) touches it. */
  private long seq = 1;

  private RawEncoded(int bytes) {
    for (int r = 0; r < RANGES; r++) {
      messages[r] = new Message(r + 1, 1, 1, ByteBuffer.allocate(8).putLong(r).array(), new byte[bytes]);
    }
    this.perFrame = RawStream.batchMessages(bytes);
  }

  /** Streams messages with {@code bytes} of entry data until the stream is closed. */
  static RawStream start(int bytes) throws IOException, InterruptedException {
    RawEncoded sender = new RawEncoded(bytes);
    Receiver receiver = new Receiver(bytes);
    RawStream stream = new RawStream(false, receiver::deliver);
    stream.start(sender);
    return stream;
  }

  /** The next frame: {@code perFrame} envelopes, each built from its message now. */
  @Override
  public ClientFrame get() {
    Batch.Builder batch = Batch.newBuilder();
    for (int i = 0; i < perFrame; i++) {
      Message m = messages[(int) (seq % RANGES)];
      batch.addEnvelopes(Envelope.newBuilder()
          .setSeq(seq++)
          .setRangeId(m.range)
          .setFromReplica(SENDER_REPLICA)
          .setToStore(Transports.RECEIVER.value())
          .setToReplica(RECEIVER_REPLICA)
          .setTrafficClass(TrafficClass.APPEND)
          .setPriority(Priority.REGULAR)
          .setPayload(UnsafeByteOperations.unsafeWrap(m.payload))
          .addEntries(Entry.newBuilder()
              .setIndex(m.index)
              .setTerm(m.term)
              .setData(UnsafeByteOperations.unsafeWrap(m.data))));
    }
    return ClientFrame.newBuilder().setBatch(batch).build();
  }

  /** One logical message as the user's code holds it. */
  private static final class Message {
    final long range;
    final long index;
    final long term;
    final byte[] payload;
    final byte[] data;

    Message(long range, long index, long term, byte[] payload, byte[] data) {
      this.range = range;
      this.index = index;
      this.term = term;
      this.payload = payload;
      this.data = data;
    }
  }

  /**
   * The user's handler: reads every envelope of a parsed frame and counts those that are what was
   * sent (all, unless something is broken: then the throughput shows it).
   */
  private static final class Receiver {
    private final int bytes;

    Receiver(int bytes) {
      this.bytes = bytes;
    }

    long deliver(ClientFrame frame) {
      long delivered = 0;
      for (Envelope envelope : frame.getBatch().getEnvelopesList()) {
        boolean ok = envelope.getSeq() > 0
            && envelope.getRangeId() >= 1 && envelope.getRangeId() <= RANGES
            && envelope.getFromReplica() == SENDER_REPLICA
            && envelope.getToStore() == Transports.RECEIVER.value()
            && envelope.getToReplica() == RECEIVER_REPLICA
            && envelope.getTrafficClass() == TrafficClass.APPEND
            && envelope.getPriority() == Priority.REGULAR
            && envelope.getPayload().size() == 8;
        for (Entry entry : envelope.getEntriesList()) {
          ByteString data = entry.getData();
          ok &= entry.getIndex() > 0 && entry.getTerm() > 0 && data.size() == bytes;
        }
        if (ok && envelope.getEntriesCount() == 1) {
          delivered++;
        }
      }
      return delivered;
    }
  }
}
