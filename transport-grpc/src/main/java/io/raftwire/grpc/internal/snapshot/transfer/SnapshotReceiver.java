package io.raftwire.grpc.internal.snapshot.transfer;

import io.grpc.ServerCallHandler;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.raftwire.flow.FlowControl;
import io.raftwire.grpc.internal.wire.Chunk;
import io.raftwire.grpc.internal.wire.ChunkAck;
import io.raftwire.grpc.internal.wire.ChunkNack;
import io.raftwire.grpc.internal.wire.Granted;
import io.raftwire.grpc.internal.wire.Installed;
import io.raftwire.grpc.internal.wire.Reserve;
import io.raftwire.grpc.internal.wire.Resume;
import io.raftwire.grpc.internal.wire.SnapshotClientFrame;
import io.raftwire.grpc.internal.wire.SnapshotServerFrame;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotSink;
import io.raftwire.snapshot.SnapshotSource;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.zip.CRC32C;
import io.raftwire.time.Timebase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recipient's side of the snapshot protocol (see {@code snapshot.proto}): reserves a slot,
 * stages verified chunks in the spool, writes them at the receive rate and through elastic IO
 * admission, verifies the whole file and hands it to the library's sink. Any failure deletes the
 * stage (a broken stream keeps it for a resume) and is answered with a typed refusal; nothing
 * reaches the sink unverified. One transfer's frames are handled in order, off the gRPC thread.
 */
final class SnapshotReceiver {
  private static final Logger log = LoggerFactory.getLogger(SnapshotReceiver.class);

  private final StoreId local;
  private final SnapshotSink sink;
  private final Optional<SnapshotSource> ranges;
  private final Spool spool;
  private final SnapshotSlots slots;
  private final RateLimiter receiveLimit;
  private final Optional<FlowControl> flow;
  private final long maxSnapshotBytes;
  private final Timebase timebase;
  private final Executor io;
  private final TransferMetrics metrics;

  SnapshotReceiver(StoreId local, SnapshotSink sink, Optional<SnapshotSource> ranges, Spool spool, SnapshotSlots slots,
      RateLimiter receiveLimit, Optional<FlowControl> flow, long maxSnapshotBytes, Timebase timebase,
      Executor io, TransferMetrics metrics) {
    this.local = local;
    this.sink = sink;
    this.ranges = ranges;
    this.spool = spool;
    this.slots = slots;
    this.receiveLimit = receiveLimit;
    this.flow = flow;
    this.maxSnapshotBytes = maxSnapshotBytes;
    this.timebase = timebase;
    this.io = io;
    this.metrics = metrics;
  }

  ServerCallHandler<SnapshotClientFrame, SnapshotServerFrame> handler() {
    return ServerCalls.asyncBidiStreamingCall(Inbound::new);
  }

  /** One incoming transfer. Frames are chained on {@link #tail}, so they are handled in order. */
  private final class Inbound implements StreamObserver<SnapshotClientFrame> {
    private final StreamObserver<SnapshotServerFrame> responses;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null); // @GuardedBy("this")
    // The fields below are touched only by the chained steps, one at a time.
    private volatile SnapshotSlots.Ticket ticket;
    private boolean granted;
    private Spool.Stage stage;
    private boolean awaitingResend;
    private boolean finished;

    Inbound(StreamObserver<SnapshotServerFrame> responses) {
      this.responses = responses;
    }

    @Override
    public void onNext(SnapshotClientFrame frame) {
      synchronized (this) {
        tail = tail.thenComposeAsync(ignored -> handle(frame), io).exceptionally(this::fail);
      }
    }

    private CompletableFuture<Void> handle(SnapshotClientFrame frame) {
      if (finished) {
        return done();
      }
      try {
        switch (frame.getKindCase()) {
          case RESERVE:
            return reserve(frame.getReserve());
          case OFFER:
            return offer(SnapshotWire.meta(frame.getOffer().getMeta()));
          case CHUNK:
            return chunk(frame.getChunk());
          case FINISH:
            return finish();
          default:
            throw new SnapshotException(SnapshotFailure.INVALID, "empty frame");
        }
      } catch (SnapshotException e) {
        return CompletableFuture.failedFuture(e);
      } catch (IOException e) {
        return CompletableFuture.failedFuture(new SnapshotException(SnapshotFailure.INSTALL_FAILED, "staging failed: " + e, e));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(new SnapshotException(SnapshotFailure.INVALID, e.getMessage(), e));
      }
    }

    private CompletableFuture<Void> reserve(Reserve reserve) throws SnapshotException {
      if (ticket != null) {
        throw new SnapshotException(SnapshotFailure.INVALID, "reserved twice");
      }
      if (reserve.getVersion() != SnapshotWire.VERSION) {
        throw new SnapshotException(SnapshotFailure.INVALID, "snapshot protocol version " + reserve.getVersion()
            + " is not supported by " + local + ", which speaks " + SnapshotWire.VERSION);
      }
      if (reserve.getRecipientStore() != local.value()) {
        throw new SnapshotException(SnapshotFailure.INVALID,
            "sent to s" + reserve.getRecipientStore() + " but this is " + local);
      }
      RangeId range = RangeId.of(reserve.getRangeId());
      if (ranges.isPresent() && ranges.get().state(range).isEmpty()) {
        throw new SnapshotException(SnapshotFailure.UNKNOWN_RANGE, local + " hosts no replica of " + range);
      }
      SnapshotPurpose purpose = SnapshotWire.purpose(reserve.getPurpose());
      ticket = slots.reserve(purpose, reserve.getRemainingNanos());
      metrics.queueChanged(slots);
      return ticket.granted.thenRun(() -> {
        granted = true;
        metrics.queueChanged(slots);
        respond(SnapshotServerFrame.newBuilder().setGranted(Granted.getDefaultInstance()).build());
      });
    }

    private CompletableFuture<Void> offer(SnapshotMeta meta) throws SnapshotException, IOException {
      if (!granted || stage != null) {
        throw new SnapshotException(SnapshotFailure.INVALID, "offer before a slot was granted, or twice");
      }
      if (meta.sizeBytes() > maxSnapshotBytes) {
        throw new SnapshotException(SnapshotFailure.TOO_LARGE,
            meta + " exceeds the " + maxSnapshotBytes + " bytes " + local + " accepts");
      }
      stage = spool.open(meta).orElseThrow(() -> new SnapshotException(SnapshotFailure.RECIPIENT_BUSY,
          "another transfer is staging a snapshot of " + meta.range()));
      long offset = stage.length();
      if (offset > 0) {
        metrics.resumed(offset);
      }
      respond(SnapshotServerFrame.newBuilder().setResume(Resume.newBuilder().setOffset(offset)).build());
      return done();
    }

    private CompletableFuture<Void> chunk(Chunk chunk) throws SnapshotException {
      if (stage == null) {
        throw new SnapshotException(SnapshotFailure.INVALID, "chunk before offer");
      }
      long expected = stage.length();
      if (chunk.getOffset() != expected) {
        if (awaitingResend) {
          return done(); // sent before the sender saw our nack; it resends from there
        }
        throw new SnapshotException(SnapshotFailure.INVALID, "chunk at " + chunk.getOffset() + ", expected " + expected);
      }
      ByteBuffer data = chunk.getData().asReadOnlyByteBuffer();
      CRC32C crc = new CRC32C();
      crc.update(data.duplicate());
      if ((int) crc.getValue() != chunk.getCrc32C() || expected + data.remaining() > stage.meta.sizeBytes()) {
        metrics.corruptChunk();
        awaitingResend = true;
        respond(SnapshotServerFrame.newBuilder()
            .setChunkNack(ChunkNack.newBuilder().setOffset(expected).setReason("crc32c mismatch")).build());
        return done();
      }
      awaitingResend = false;
      int bytes = data.remaining();
      long waitNanos = receiveLimit.reserve(bytes);
      CompletableFuture<Void> paced = new CompletableFuture<>();
      var unused = timebase.schedule(() -> paced.complete(null), waitNanos);
      RangeId range = stage.meta.range();
      return paced
          .thenCompose(ok -> flow.map(f -> f.admitElasticWork(range, bytes)).orElse(done()))
          .thenRunAsync(() -> {
            try {
              long start = timebase.nanoTime();
              stage.append(data);
              flow.ifPresent(f -> f.recordDiskWrite(bytes, timebase.nanoTime() - start));
            } catch (IOException e) {
              throw new CompletionException(new SnapshotException(SnapshotFailure.INSTALL_FAILED, "staging failed: " + e, e));
            }
            metrics.received(bytes);
            respond(SnapshotServerFrame.newBuilder().setChunkAck(ChunkAck.newBuilder().setNextOffset(stage.length())).build());
          }, io);
    }

    private CompletableFuture<Void> finish() throws SnapshotException, IOException {
      if (stage == null) {
        throw new SnapshotException(SnapshotFailure.INVALID, "finish before offer");
      }
      if (!stage.complete()) {
        spool.release(stage, false);
        stage = null;
        metrics.corruptSnapshot();
        throw new SnapshotException(SnapshotFailure.CORRUPT,
            "the staged bytes do not match the offered size and CRC32C; the stage was deleted");
      }
      SnapshotMeta meta = stage.meta;
      try {
        sink.install(meta, stage.file);
      } catch (IOException | RuntimeException e) {
        spool.release(stage, false);
        stage = null;
        throw new SnapshotException(SnapshotFailure.INSTALL_FAILED, "the library did not install " + meta + ": " + e, e);
      }
      spool.release(stage, false);
      stage = null;
      finished = true;
      metrics.installed();
      respond(SnapshotServerFrame.newBuilder().setInstalled(Installed.getDefaultInstance()).build());
      complete();
      return done();
    }

    private Void fail(Throwable error) {
      SnapshotException e = SnapshotWire.unwrap(error);
      if (!finished) {
        finished = true;
        metrics.refused(e.failure());
        log.debug("{}: refusing a snapshot transfer: {}", local, e.getMessage());
        if (stage != null) {
          spool.release(stage, false);
          stage = null;
        }
        respond(SnapshotServerFrame.newBuilder().setRefused(SnapshotWire.refused(e.failure(), String.valueOf(e.getMessage())))
            .build());
        complete();
      }
      return null;
    }

    private void complete() {
      releaseTicket();
      synchronized (responses) {
        try {
          responses.onCompleted();
        } catch (RuntimeException ignored) {
          // the call is already gone
        }
      }
    }

    private void respond(SnapshotServerFrame frame) {
      synchronized (responses) {
        try {
          responses.onNext(frame);
        } catch (RuntimeException e) {
          log.debug("{}: snapshot response lost: {}", local, e.toString());
        }
      }
    }

    private void releaseTicket() {
      if (ticket != null) {
        ticket.release();
        metrics.queueChanged(slots);
      }
    }

    @Override
    public void onError(Throwable t) {
      // The stream broke: give the slot (or the place in the queue) back now, keep the stage for a
      // resume once the steps in progress are done.
      SnapshotSlots.Ticket t0 = ticket;
      if (t0 != null) {
        t0.release();
      }
      synchronized (this) {
        tail = tail.thenRunAsync(this::abandon, io);
      }
    }

    @Override
    public void onCompleted() {
      synchronized (this) {
        tail = tail.thenRunAsync(this::abandon, io);
      }
    }

    private void abandon() {
      if (stage != null) {
        spool.release(stage, true);
        stage = null;
      }
      if (!finished) {
        finished = true;
        releaseTicket();
      }
    }
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }

  /** Deletes stale stages and expires queued reservations; called periodically. */
  void upkeep() {
    slots.expire();
    spool.sweep();
    metrics.queueChanged(slots);
  }

  void close() {
    spool.clear();
  }
}
