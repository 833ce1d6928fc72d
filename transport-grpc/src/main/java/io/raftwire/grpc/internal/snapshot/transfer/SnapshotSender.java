package io.raftwire.grpc.internal.snapshot.transfer;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.raftwire.grpc.internal.peer.Backoff;
import io.raftwire.grpc.internal.peer.ChannelKind;
import io.raftwire.grpc.internal.peer.Peer;
import io.raftwire.grpc.internal.peer.Peers;
import io.raftwire.grpc.internal.wire.Chunk;
import io.raftwire.grpc.internal.wire.Finish;
import io.raftwire.grpc.internal.wire.Offer;
import io.raftwire.grpc.internal.wire.RaftSnapshotsGrpc;
import io.raftwire.grpc.internal.wire.Reserve;
import io.raftwire.grpc.internal.wire.SnapshotClientFrame;
import io.raftwire.grpc.internal.wire.SnapshotServerFrame;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of the snapshot protocol: per transfer, reserve a slot (naming the leader the
 * snapshot is sent for), only then take a view from the cache, offer it, stream chunks (each with
 * its CRC32C, none larger than the recipient takes) at the send rate with at most {@code
 * windowChunks} unacknowledged, resend from a nacked offset, and after a broken stream
 * start over with a new reservation, resuming where the recipient's stage ends. Gives up after
 * {@code maxAttempts} broken streams, {@code maxCorruptions} checksum failures or at the deadline.
 * Retries wait the transport's backoff (at most half the time left).
 */
final class SnapshotSender {
  private static final Logger log = LoggerFactory.getLogger(SnapshotSender.class);

  private final StoreId local;
  private final @Nullable String localZone;
  private final Peers peers;
  private final SnapshotCache cache;
  private final RateLimiter sendLimit;
  private final TransferSettings settings;
  private final Backoff backoff;
  private final Timebase timebase;
  private final Executor io;
  private final TransferMetrics metrics;
  private volatile TransferFaults faults = TransferFaults.NONE;
  private volatile boolean closed;

  SnapshotSender(StoreId local, @Nullable String localZone, Peers peers, SnapshotCache cache, RateLimiter sendLimit,
      TransferSettings settings, Backoff backoff, Timebase timebase, Executor io, TransferMetrics metrics) {
    this.local = local;
    this.localZone = localZone;
    this.peers = peers;
    this.cache = cache;
    this.sendLimit = sendLimit;
    this.settings = settings;
    this.backoff = backoff;
    this.timebase = timebase;
    this.io = io;
    this.metrics = metrics;
  }

  void faults(TransferFaults faults) {
    this.faults = faults;
  }

  /**
   * @param minIndex the oldest snapshot index that still helps the recipient (0: any); an older
   *     view fails the transfer with DELEGATE_BEHIND before a byte is sent
   */
  CompletableFuture<SnapshotMeta> send(RangeId range, StoreId recipient, StoreId leader, SnapshotPurpose purpose,
      long deadlineNanos, long minIndex) {
    Transfer t = new Transfer(range, recipient, leader, purpose, timebase.nanoTime() + deadlineNanos, minIndex);
    t.attempt();
    return t.result;
  }

  /** The snapshot channel to {@code to} (shared with delegation requests, through the peer). */
  ManagedChannel channel(StoreId to) throws SnapshotException {
    if (closed) {
      throw new SnapshotException(SnapshotFailure.CLOSED, local + " is closed");
    }
    Peer peer = peers.peer(to);
    if (peer == null) {
      throw new SnapshotException(SnapshotFailure.UNREACHABLE, "no address known for " + to);
    }
    try {
      return peer.channel(ChannelKind.SNAPSHOT);
    } catch (IllegalStateException e) {
      throw new SnapshotException(SnapshotFailure.CLOSED, local + " is closed");
    }
  }

  void close() {
    closed = true;
  }

  /** One transfer across its attempts. Its state is guarded by its own lock. */
  private final class Transfer implements StreamObserver<SnapshotServerFrame> {
    final RangeId range;
    final StoreId recipient;
    final StoreId leader;
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
    private int chunkBytes; // @GuardedBy("this"), this attempt's: ours, or less if the recipient takes less

    Transfer(RangeId range, StoreId recipient, StoreId leader, SnapshotPurpose purpose, long deadline, long minIndex) {
      this.range = range;
      this.recipient = recipient;
      this.leader = leader;
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
      long remaining = deadline - timebase.nanoTime();
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
          .setRemainingNanos(remaining).setLeaderStore(leader.value())).build());
    }

    @Override
    public void onNext(SnapshotServerFrame frame) {
      switch (frame.getKindCase()) {
        case GRANTED:
          granted(frame.getGranted().getMaxChunkBytes());
          break;
        case RESUME:
          synchronized (this) {
            sendFrom(frame.getResume().getOffset());
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
            if (++corruptions > settings.maxCorruptions()) {
              fail(new SnapshotException(SnapshotFailure.CORRUPT,
                  corruptions + " chunks of " + range + " failed their checksum at " + recipient));
              return;
            }
            epoch++;
            sendFrom(frame.getChunkNack().getOffset());
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

    /** Sends again from {@code offset}: everything before it is staged at the recipient. */
    // @GuardedBy("this")
    private void sendFrom(long offset) {
      nextToSend = offset;
      acked = offset;
      finishSent = false;
      pump();
    }

    private SnapshotMeta meta() {
      return lease.view().meta();
    }

    private void refused(SnapshotServerFrame frame) {
      SnapshotFailure failure = SnapshotWire.failure(frame.getRefused());
      SnapshotException e = new SnapshotException(failure, recipient + " refused " + range + ": " + frame.getRefused().getMessage());
      synchronized (this) {
        if (failure == SnapshotFailure.CORRUPT && ++corruptions <= settings.maxCorruptions()) {
          metrics.retry(); // the whole file failed its checksum: the recipient deleted it, start over
          epoch++;
          timebase.execute(this::attempt);
          return;
        }
        fail(e);
      }
    }

    private void granted(int recipientMaxChunkBytes) {
      // Only now, with a slot granted, generate (or reuse) the snapshot: an idle recipient never
      // makes the source do the expensive part for nothing.
      io.execute(() -> {
        synchronized (this) {
          if (result.isDone()) {
            return;
          }
          if (recipientMaxChunkBytes < 1) {
            fail(new SnapshotException(SnapshotFailure.INVALID, recipient + " granted a slot but takes no chunks"));
            return;
          }
          chunkBytes = Math.min(settings.chunkBytes(), recipientMaxChunkBytes);
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
              .setOffer(Offer.newBuilder().setMeta(SnapshotWire.proto(meta())).setChunkBytes(chunkBytes)).build());
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
      if (nextToSend - acked >= (long) settings.windowChunks() * chunkBytes) {
        return;
      }
      pumping = true;
      long offset = nextToSend;
      long myEpoch = epoch;
      int length = (int) Math.min(chunkBytes, size - offset);
      long wait = sendLimit.reserve(length);
      timebase.schedule(() -> io.execute(() -> sendChunk(offset, length, myEpoch)), wait);
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
        metrics.sentChunk(length, localZone, peers.zoneOf(recipient));
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
        Status.Code code = Status.fromThrowable(t).getCode();
        if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.UNIMPLEMENTED) {
          // The recipient could not read what this store sent, or has no snapshot service: a
          // retry would meet the same answer.
          fail(new SnapshotException(code == Status.Code.UNIMPLEMENTED ? SnapshotFailure.UNKNOWN_RANGE
              : SnapshotFailure.INVALID, recipient + " ended the transfer of " + range + ": " + t, t));
          return;
        }
        if (code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNAUTHENTICATED) {
          // The recipient does not take this store's word (its certificate, its allow-list): nor
          // would it on the next attempt.
          fail(new SnapshotException(SnapshotFailure.PERMISSION_DENIED,
              recipient + " refused this store's transfer of " + range + ": " + t, t));
          return;
        }
        long remaining = deadline - timebase.nanoTime();
        if (attempts >= settings.maxAttempts() || remaining <= 0) {
          fail(new SnapshotException(remaining <= 0 ? SnapshotFailure.DEADLINE_EXCEEDED : SnapshotFailure.UNREACHABLE,
              "the stream to " + recipient + " broke " + attempts + " times, last: " + t, t));
          return;
        }
        metrics.retry();
        long delay = Math.min(remaining / 2, backoff.delayNanos(attempts));
        log.debug("{}: snapshot of {} to {} broke ({}); attempt {} in {} ms", local, range, recipient, t.toString(),
            attempts + 1, delay / 1_000_000);
        timebase.schedule(this::attempt, delay);
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
