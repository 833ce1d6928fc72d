package io.raftwire.grpc.snapshot;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.grpc.wire.Chunk;
import io.raftwire.grpc.wire.Finish;
import io.raftwire.grpc.wire.Offer;
import io.raftwire.grpc.wire.RaftSnapshotsGrpc;
import io.raftwire.grpc.wire.Reserve;
import io.raftwire.grpc.wire.SnapshotClientFrame;
import io.raftwire.grpc.wire.SnapshotServerFrame;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of the snapshot protocol: per transfer, reserve a slot, only then take a view
 * from the cache, offer it, stream chunks (each with its CRC32C) at the send rate with at most
 * {@code windowChunks} unacknowledged, resend from a nacked offset, and after a broken stream
 * start over with a new reservation, resuming where the recipient's stage ends. Gives up after
 * {@code maxAttempts} broken streams, {@code maxCorruptions} checksum failures or at the deadline.
 */
final class SnapshotSender {
  private static final Logger log = LoggerFactory.getLogger(SnapshotSender.class);

  /** Test hooks that damage a transfer on purpose; the default does nothing. */
  interface Faults {
    /** Returns true to flip a bit of the chunk at {@code offset} after its CRC was computed. */
    default boolean corrupt(RangeId range, long offset) {
      return false;
    }

    /** Returns true to break the stream just before sending the chunk at {@code offset}. */
    default boolean breakStream(RangeId range, long offset) {
      return false;
    }
  }

  static final Faults NO_FAULTS = new Faults() {};

  private final StoreId local;
  private final Locality locality;
  private final String zoneTier;
  private final StoreResolver resolver;
  private final SnapshotCache cache;
  private final RateLimiter sendLimit;
  private final int chunkBytes;
  private final int windowChunks;
  private final int maxAttempts;
  private final int maxCorruptions;
  private final LongSupplier clock;
  private final ScheduledExecutorService scheduler;
  private final Executor io;
  private final SnapshotMetrics metrics;
  private volatile Faults faults = NO_FAULTS;
  private final Map<StoreId, ManagedChannel> channels = new HashMap<>(); // @GuardedBy("this")
  private boolean closed; // @GuardedBy("this")

  SnapshotSender(StoreId local, Locality locality, String zoneTier, StoreResolver resolver, SnapshotCache cache,
      RateLimiter sendLimit, int chunkBytes, int windowChunks, int maxAttempts, int maxCorruptions, LongSupplier clock,
      ScheduledExecutorService scheduler, Executor io, SnapshotMetrics metrics) {
    this.local = local;
    this.locality = locality;
    this.zoneTier = zoneTier;
    this.resolver = resolver;
    this.cache = cache;
    this.sendLimit = sendLimit;
    this.chunkBytes = chunkBytes;
    this.windowChunks = windowChunks;
    this.maxAttempts = maxAttempts;
    this.maxCorruptions = maxCorruptions;
    this.clock = clock;
    this.scheduler = scheduler;
    this.io = io;
    this.metrics = metrics;
  }

  void faults(Faults faults) {
    this.faults = faults;
  }

  /**
   * @param minIndex the oldest snapshot index that still helps the recipient (0: any); an older
   *     view fails the transfer with DELEGATE_BEHIND before a byte is sent
   */
  CompletableFuture<SnapshotMeta> send(RangeId range, StoreId recipient, SnapshotPurpose purpose, long deadlineNanos,
      long minIndex) {
    Transfer t = new Transfer(range, recipient, purpose, clock.getAsLong() + deadlineNanos, minIndex);
    t.attempt();
    return t.result;
  }

  /** The snapshot channel to {@code to} (shared by transfers and delegation requests). */
  synchronized ManagedChannel channel(StoreId to) throws SnapshotException {
    if (closed) {
      throw new SnapshotException(SnapshotFailure.CLOSED, local + " is closed");
    }
    ManagedChannel channel = channels.get(to);
    if (channel == null) {
      InetSocketAddress address = resolver.resolve(to)
          .orElseThrow(() -> new SnapshotException(SnapshotFailure.UNREACHABLE, "no address known for " + to));
      channel = NettyChannelBuilder.forAddress(address).usePlaintext().directExecutor().build();
      channels.put(to, channel);
    }
    return channel;
  }

  void close() {
    synchronized (this) {
      closed = true;
    }
    channels.values().forEach(ManagedChannel::shutdownNow);
  }

  /** One transfer across its attempts. Its state is guarded by its own lock. */
  private final class Transfer implements StreamObserver<SnapshotServerFrame> {
    final RangeId range;
    final StoreId recipient;
    final SnapshotPurpose purpose;
    final long deadline;
    final long minIndex;
    final CompletableFuture<SnapshotMeta> result = new CompletableFuture<>();
    private SnapshotCache.Lease lease; // @GuardedBy("this")
    private ClientCall<SnapshotClientFrame, SnapshotServerFrame> call; // @GuardedBy("this")
    private StreamObserver<SnapshotClientFrame> requests; // @GuardedBy("this")
    private int attempts; // @GuardedBy("this")
    private int corruptions; // @GuardedBy("this")
    private long nextToSend; // @GuardedBy("this")
    private long acked; // @GuardedBy("this")
    private boolean pumping; // @GuardedBy("this")
    private boolean finishSent; // @GuardedBy("this")
    private long epoch; // @GuardedBy("this"), bumped by every restart and nack

    Transfer(RangeId range, StoreId recipient, SnapshotPurpose purpose, long deadline, long minIndex) {
      this.range = range;
      this.recipient = recipient;
      this.purpose = purpose;
      this.deadline = deadline;
      this.minIndex = minIndex;
    }

    synchronized void attempt() {
      if (result.isDone()) {
        return;
      }
      attempts++;
      epoch++;
      long remaining = deadline - clock.getAsLong();
      if (remaining <= 0) {
        fail(new SnapshotException(SnapshotFailure.DEADLINE_EXCEEDED, "no time left for " + range + " to " + recipient));
        return;
      }
      try {
        call = channel(recipient).newCall(RaftSnapshotsGrpc.getTransferMethod(),
            CallOptions.DEFAULT.withDeadlineAfter(remaining, TimeUnit.NANOSECONDS));
      } catch (SnapshotException e) {
        fail(e);
        return;
      }
      requests = ClientCalls.asyncBidiStreamingCall(call, this);
      requests.onNext(SnapshotClientFrame.newBuilder().setReserve(Reserve.newBuilder()
          .setVersion(SnapshotWire.VERSION).setSenderStore(local.value()).setRecipientStore(recipient.value())
          .setRangeId(range.value()).setPurpose(SnapshotWire.purpose(purpose))
          .setRemainingNanos(remaining)).build());
    }

    @Override
    public void onNext(SnapshotServerFrame frame) {
      switch (frame.getKindCase()) {
        case GRANTED:
          granted();
          break;
        case RESUME:
          synchronized (this) {
            nextToSend = frame.getResume().getOffset();
            acked = nextToSend;
            finishSent = false;
            pump();
          }
          break;
        case CHUNK_ACK:
          synchronized (this) {
            acked = Math.max(acked, frame.getChunkAck().getNextOffset());
            pump();
          }
          break;
        case CHUNK_NACK:
          synchronized (this) {
            metrics.corruptChunk();
            if (++corruptions > maxCorruptions) {
              fail(new SnapshotException(SnapshotFailure.CORRUPT,
                  corruptions + " chunks of " + range + " failed their checksum at " + recipient));
              return;
            }
            epoch++;
            nextToSend = frame.getChunkNack().getOffset();
            acked = nextToSend;
            finishSent = false;
            pump();
          }
          break;
        case INSTALLED:
          synchronized (this) {
            metrics.sent();
            SnapshotMeta installed = meta();
            release();
            result.complete(installed);
          }
          break;
        case REFUSED:
          refused(frame);
          break;
        default:
          break;
      }
    }

    private SnapshotMeta meta() {
      return lease.view().meta();
    }

    private void refused(SnapshotServerFrame frame) {
      SnapshotFailure failure = SnapshotWire.failure(frame.getRefused());
      SnapshotException e = new SnapshotException(failure, recipient + " refused " + range + ": " + frame.getRefused().getMessage());
      synchronized (this) {
        if (failure == SnapshotFailure.CORRUPT && ++corruptions <= maxCorruptions) {
          metrics.retry(); // the whole file failed its checksum: the recipient deleted it, start over
          epoch++;
          scheduler.execute(this::attempt);
          return;
        }
        fail(e);
      }
    }

    private void granted() {
      // Only now, with a slot granted, generate (or reuse) the snapshot: an idle recipient never
      // makes the source do the expensive part for nothing.
      io.execute(() -> {
        synchronized (this) {
          if (result.isDone()) {
            return;
          }
          if (lease == null) {
            try {
              lease = cache.acquire(range);
            } catch (IOException | RuntimeException e) {
              fail(new SnapshotException(SnapshotFailure.SOURCE_FAILED, "could not open a snapshot of " + range + ": " + e, e));
              return;
            }
          }
          if (meta().index() < minIndex) {
            fail(new SnapshotException(SnapshotFailure.DELEGATE_BEHIND, local + "'s latest snapshot of " + range
                + " ends at " + meta().index() + ", the recipient needs one from " + minIndex + " on"));
            return;
          }
          requests.onNext(SnapshotClientFrame.newBuilder()
              .setOffer(Offer.newBuilder().setMeta(SnapshotWire.proto(meta()))).build());
        }
      });
    }

    /** Sends chunks while the window has room; one chunk is read and paced at a time. */
    // @GuardedBy("this")
    private void pump() {
      if (pumping || result.isDone() || lease == null) {
        return;
      }
      long size = meta().sizeBytes();
      if (nextToSend >= size) {
        if (!finishSent && acked >= size) {
          finishSent = true;
          requests.onNext(SnapshotClientFrame.newBuilder().setFinish(Finish.getDefaultInstance()).build());
        }
        return;
      }
      if (nextToSend - acked >= (long) windowChunks * chunkBytes) {
        return;
      }
      pumping = true;
      long offset = nextToSend;
      long myEpoch = epoch;
      int length = (int) Math.min(chunkBytes, size - offset);
      long wait = sendLimit.reserve(length);
      scheduler.schedule(() -> io.execute(() -> sendChunk(offset, length, myEpoch)), wait, TimeUnit.NANOSECONDS);
    }

    private void sendChunk(long offset, int length, long myEpoch) {
      ByteBuffer data = ByteBuffer.allocate(length);
      Throwable readError = null;
      try {
        while (data.hasRemaining()) {
          int n = lease.view().read(offset + data.position(), data);
          if (n < 0) {
            throw new IOException("the snapshot ended at " + (offset + data.position()) + " of " + meta().sizeBytes());
          }
        }
        data.flip();
      } catch (IOException | RuntimeException e) {
        readError = e;
      }
      synchronized (this) {
        pumping = false;
        if (result.isDone()) {
          return;
        }
        if (readError != null) {
          fail(new SnapshotException(SnapshotFailure.SOURCE_FAILED, "reading " + range + " at " + offset + ": " + readError, readError));
          return;
        }
        if (myEpoch != epoch || offset != nextToSend) {
          pump(); // a nack or a restart moved on meanwhile
          return;
        }
        if (faults.breakStream(range, offset)) {
          call.cancel("broken on purpose by a test", null);
          return;
        }
        CRC32C crc = new CRC32C();
        crc.update(data.duplicate());
        if (faults.corrupt(range, offset)) {
          data.put(0, (byte) (data.get(0) ^ 1));
        }
        ByteString bytes = UnsafeByteOperations.unsafeWrap(data); // the buffer is ours alone
        requests.onNext(SnapshotClientFrame.newBuilder()
            .setChunk(Chunk.newBuilder().setOffset(offset).setData(bytes).setCrc32C((int) crc.getValue())).build());
        metrics.sentChunk(length, locality, resolver.locality(recipient), zoneTier);
        nextToSend = offset + length;
        pump();
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (this) {
        if (result.isDone()) {
          return;
        }
        epoch++;
        long remaining = deadline - clock.getAsLong();
        if (attempts >= maxAttempts || remaining <= 0) {
          fail(new SnapshotException(remaining <= 0 ? SnapshotFailure.DEADLINE_EXCEEDED : SnapshotFailure.UNREACHABLE,
              "the stream to " + recipient + " broke " + attempts + " times, last: " + t, t));
          return;
        }
        metrics.retry();
        long backoff = Math.min(remaining / 2, TimeUnit.MILLISECONDS.toNanos(100L << Math.min(6, attempts - 1)));
        log.debug("{}: snapshot of {} to {} broke ({}); attempt {} in {} ms", local, range, recipient, t.toString(),
            attempts + 1, backoff / 1_000_000);
        scheduler.schedule(this::attempt, backoff, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void onCompleted() {
      synchronized (this) {
        if (!result.isDone()) {
          onError(new IllegalStateException("the recipient ended the stream without an answer"));
        }
      }
    }

    // @GuardedBy("this")
    private void fail(SnapshotException e) {
      if (result.isDone()) {
        return;
      }
      metrics.failed(e.failure());
      if (call != null) {
        call.cancel(e.getMessage(), null);
      }
      release();
      result.completeExceptionally(e);
    }

    // @GuardedBy("this")
    private void release() {
      if (lease != null) {
        lease.close(); // idempotent
      }
      if (requests != null) {
        try {
          requests.onCompleted();
        } catch (RuntimeException ignored) {
          // already cancelled or completed
        }
      }
    }
  }
}
