package io.raftwire.grpc.internal.snapshot.transfer;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.flow.FlowControl;
import io.raftwire.grpc.internal.snapshot.transfer.SnapshotWire.Parsed;
import io.raftwire.grpc.internal.wire.Chunk;
import io.raftwire.grpc.internal.wire.ChunkAck;
import io.raftwire.grpc.internal.wire.ChunkNack;
import io.raftwire.grpc.internal.wire.Granted;
import io.raftwire.grpc.internal.wire.Installed;
import io.raftwire.grpc.internal.wire.Offer;
import io.raftwire.grpc.internal.wire.Reserve;
import io.raftwire.grpc.internal.wire.Resume;
import io.raftwire.grpc.internal.wire.SnapshotClientFrame;
import io.raftwire.grpc.internal.wire.SnapshotServerFrame;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.snapshot.SnapshotConsent;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotOffer;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotSink;
import io.raftwire.snapshot.SnapshotSource;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recipient's side of the snapshot protocol (see {@code snapshot.proto}): reserves a slot,
 * asks the library's sink whether it wants the offered snapshot, and only then stages verified
 * chunks in the spool, written at the receive rate and through elastic IO admission; verifies the
 * whole file and hands it to the sink. Nothing reaches the sink unverified, and nothing is staged
 * for an offer the sink did not accept.
 *
 * <p><b>Memory.</b> Frames are read with gRPC's manual flow control: one at a time until the
 * offer is accepted, then chunks only while the transfer's chunk bytes in memory (arrived, not yet
 * written or dropped) plus one offered chunk size for every frame asked for stay within {@code
 * windowBytes}. A sender that writes faster is held back by gRPC's own flow control, in its
 * process, not here. (gRPC assembles one frame it was asked for, up to the server's inbound
 * message limit, before this class sees it.)
 *
 * <p><b>Identity.</b> On a mutual TLS server the reservation must name the connection's store as
 * its sender, or the stream ends PERMISSION_DENIED before a slot is reserved (counted under {@code
 * snapshot.identity_refused.SENDER_NOT_AUTHENTICATED}). The leader it names is passed to the sink,
 * whose consent checks it: this store cannot tell whether a leader really asked the sender to
 * deliver in its place, only who the sender is. Without TLS the claims are believed.
 *
 * <p><b>Failures.</b> A frame that does not parse ends the stream INVALID_ARGUMENT; a frame out of
 * place or out of range is refused INVALID; both are counted and reported to the {@link
 * ProblemLog}, never logged with a stack trace, and end only their own stream. A refusal deletes
 * the stage. A broken or cancelled stream stops at once: frames not yet handled are dropped, a
 * wait for the rate or for IO admission ends, and the stage is left to the spool's rules for
 * broken transfers.
 *
 * <p><b>Threads.</b> Frames arrive on gRPC's network thread, which only parses, accounts and
 * queues them; each stream's frames are handled in order, one at a time, on the I/O executor.
 */
final class SnapshotReceiver {
  private static final Logger log = LoggerFactory.getLogger(SnapshotReceiver.class);
  /** Refusals caused by what the peer sent (the others are this store's state: busy, too large...). */
  private static final Set<SnapshotFailure> PEER_PROBLEMS =
      EnumSet.of(SnapshotFailure.INVALID, SnapshotFailure.NOT_REQUESTED, SnapshotFailure.CORRUPT);

  private final StoreId local;
  private final SnapshotSink sink;
  private final Optional<SnapshotSource> ranges;
  private final Spool spool;
  private final SnapshotSlots slots;
  private final RateLimiter receiveLimit;
  private final Optional<FlowControl> flow;
  private final TransferSettings settings;
  private final Timebase timebase;
  private final Executor io;
  private final TransferMetrics metrics;
  private final ProblemLog problems;
  private final ConnectionIdentity identity;
  /** The largest chunk granted: the receive window, at most what fits a frame of the server. */
  private final int maxChunkBytes;

  /**
   * @param identity who the connection of a call is (with mutual TLS)
   * @param maxFrameBytes the largest frame the server accepts: no chunk granted is larger
   */
  SnapshotReceiver(StoreId local, SnapshotSink sink, Optional<SnapshotSource> ranges, Spool spool, SnapshotSlots slots,
      RateLimiter receiveLimit, Optional<FlowControl> flow, TransferSettings settings, Timebase timebase,
      Executor io, TransferMetrics metrics, ProblemLog problems, ConnectionIdentity identity, long maxFrameBytes) {
    this.local = local;
    this.sink = sink;
    this.ranges = ranges;
    this.spool = spool;
    this.slots = slots;
    this.receiveLimit = receiveLimit;
    this.flow = flow;
    this.settings = settings;
    this.timebase = timebase;
    this.io = io;
    this.metrics = metrics;
    this.problems = problems;
    this.identity = identity;
    this.maxChunkBytes = (int) Math.max(1, Math.min(settings.maxChunkBytes(), maxFrameBytes - WireCodec.FRAME_SLACK_BYTES));
  }

  /** Transfers in progress, for ending those of stores taken off the allow-list. */
  private final Set<Inbound> live = ConcurrentHashMap.newKeySet();

  /**
   * Ends at once, {@code PERMISSION_DENIED}, every transfer in progress whose connection's store is
   * no longer {@code allowed}, and deletes what it staged: a store taken off the allow-list keeps
   * nothing running here. Transfers without an authenticated store (plaintext) are left alone.
   * Any thread.
   */
  void endTransfersOf(Predicate<StoreId> refused) {
    for (Inbound transfer : live) {
      StoreId store = transfer.authenticated;
      if (store != null && refused.test(store)) {
        transfer.deny(IdentityRefusal.SENDER_NOT_ALLOWED, store + " was taken off the allow-list");
      }
    }
  }

  /** The handler of the {@code Transfer} RPC, for the method {@link SnapshotWire#parsingOnServer} makes. */
  ServerCallHandler<Parsed<SnapshotClientFrame>, SnapshotServerFrame> handler() {
    return (call, headers) -> {
      String peer = SnapshotWire.peerHost(call);
      StoreId authenticated = identity.authenticatedPeer(); // in the call's context
      ServerCallHandler<Parsed<SnapshotClientFrame>, SnapshotServerFrame> calls = ServerCalls.asyncBidiStreamingCall(
          responses -> new Inbound(peer, authenticated, (ServerCallStreamObserver<SnapshotServerFrame>) responses));
      return calls.startCall(call, headers);
    };
  }

  /**
   * One incoming transfer. Its steps are chained on {@link #tail}, so they run in order, one at a
   * time; the fields without a lock are touched only by those steps.
   */
  private final class Inbound implements StreamObserver<Parsed<SnapshotClientFrame>> {
    private final String peer;
    /** The store the connection's certificate names; null without TLS. */
    private final @Nullable StoreId authenticated;
    private final ServerCallStreamObserver<SnapshotServerFrame> responses;
    @GuardedBy("this")
    private CompletableFuture<Void> tail = done();
    /** Over: answered, refused, broken or cancelled; nothing more is handled. */
    @GuardedBy("this")
    private boolean ended;
    /** A refusal is on its way: frames arriving meanwhile are dropped and none are asked for. */
    @GuardedBy("this")
    private boolean refusing;
    /** Frames asked of gRPC that have not arrived. */
    @GuardedBy("this")
    private int asked;
    /** Chunk bytes arrived and not yet written or dropped. */
    @GuardedBy("this")
    private long heldBytes;
    /** The accepted offer's chunk size; 0 before (frames are then asked for one at a time). */
    @GuardedBy("this")
    private int chunkBytes;
    /** The wait in progress (pacing, IO admission), which {@link #end} ends early. */
    @GuardedBy("this")
    private @Nullable CompletableFuture<Void> waiting;

    private volatile SnapshotSlots.@Nullable Ticket ticket;
    private @Nullable RangeId reserved;
    private volatile @Nullable StoreId sender;
    private @Nullable StoreId leader;
    private SnapshotPurpose purpose = SnapshotPurpose.CATCH_UP;
    private boolean granted;
    private Spool.@Nullable Stage stage;
    private @Nullable SnapshotOffer offer;
    private boolean awaitingResend;
    private long lastSkipped;
    private int nacks;

    Inbound(String peer, @Nullable StoreId authenticated, ServerCallStreamObserver<SnapshotServerFrame> responses) {
      this.peer = peer;
      this.authenticated = authenticated;
      this.responses = responses;
      responses.disableAutoRequest();
      responses.setOnCancelHandler(this::broken);
      live.add(this);
      askOne();
    }

    /** Ends this transfer PERMISSION_DENIED from outside its steps, and drops its stage after them. */
    private void deny(IdentityRefusal reason, String detail) {
      metrics.identityRefused(reason);
      metrics.refused(SnapshotFailure.PERMISSION_DENIED);
      problems.report(source(), "snapshot transfer ended, " + reason, detail);
      if (endWith(Status.PERMISSION_DENIED.withDescription(reason + ": " + detail))) {
        SnapshotSlots.Ticket held = ticket;
        if (held != null) {
          held.release(); // at once, as for a broken stream
          metrics.queueChanged(slots);
        }
        afterSteps(() -> cleanUp(false));
      }
    }

    // ------------------------------------------------------------ arrival (network thread)

    @Override
    public void onNext(Parsed<SnapshotClientFrame> parsed) {
      SnapshotClientFrame frame = parsed.message();
      if (frame == null) {
        malformed(String.valueOf(parsed.error()));
        return;
      }
      boolean isChunk = frame.getKindCase() == SnapshotClientFrame.KindCase.CHUNK;
      int bytes = isChunk ? frame.getChunk().getData().size() : 0;
      synchronized (this) {
        if (ended || refusing) {
          return;
        }
        asked--;
        if (!isChunk) {
          tail = tail.thenComposeAsync(x -> step(frame), io).exceptionally(this::fail);
        } else if (chunkBytes > 0 && bytes <= chunkBytes) {
          heldBytes += bytes;
          metrics.held(bytes);
          tail = tail.thenComposeAsync(x -> step(frame), io).exceptionally(this::fail)
              .thenRun(() -> dropped(bytes));
          return;
        } else {
          // Not kept, not even queued: refused once the steps before it are done.
          refusing = true;
          SnapshotException refusal = chunkBytes == 0
              ? violation(ProtocolProblem.CHUNK_WITHOUT_OFFER, "a chunk before an offer was accepted")
              : violation(ProtocolProblem.CHUNK_TOO_LARGE,
                  "a chunk of " + bytes + " bytes, the offer said at most " + chunkBytes);
          tail = tail.thenComposeAsync(x -> CompletableFuture.<Void>failedFuture(refusal), io).exceptionally(this::fail);
        }
      }
    }

    /** A frame that did not parse: the stream ends INVALID_ARGUMENT. */
    private void malformed(String error) {
      metrics.malformedFrame();
      problems.report(source(), "snapshot frame malformed", error);
      if (endWith(Status.INVALID_ARGUMENT.withDescription("malformed snapshot frame: " + error))) {
        afterSteps(() -> cleanUp(false));
      }
    }

    /**
     * The reservation names another sender than the connection's store: the stream ends
     * PERMISSION_DENIED. Called in the reservation's step, before anything is reserved.
     */
    private CompletableFuture<Void> denied(IdentityRefusal reason, String detail) {
      metrics.identityRefused(reason);
      metrics.refused(SnapshotFailure.PERMISSION_DENIED);
      problems.report(source(), "snapshot transfer refused, " + reason, detail);
      if (endWith(Status.PERMISSION_DENIED.withDescription(reason + ": " + detail))) {
        cleanUp(false);
      }
      return done();
    }

    /** Ends the transfer with {@code status}; false if it had ended already. */
    private boolean endWith(Status status) {
      if (!end()) {
        return false;
      }
      synchronized (responses) {
        try {
          responses.onError(status.asRuntimeException());
        } catch (RuntimeException e) {
          log.debug("{}: the call ended before its refusal: {}", local, e.toString());
        }
      }
      return true;
    }

    /** The stream broke or the sender cancelled: stop now, keep the stage within the spool's rules. */
    private void broken() {
      boolean first = end(); // before the slot goes: whoever sees it free sees this transfer over
      SnapshotSlots.Ticket held = ticket;
      if (held != null) {
        held.release(); // at once, not after the steps in progress
        metrics.queueChanged(slots);
      }
      if (first) {
        afterSteps(() -> cleanUp(true));
      }
    }

    @Override
    public void onError(Throwable t) {
      broken();
    }

    @Override
    public void onCompleted() {
      // Arrives after every frame was delivered, but maybe before they were handled.
      afterSteps(() -> {
        if (end()) { // the sender stopped sending without finishing
          complete();
          cleanUp(true);
        }
      });
    }

    private void afterSteps(Runnable last) {
      synchronized (this) {
        tail = tail.thenRunAsync(last, io);
      }
    }

    // ------------------------------------------------------------ flow control

    private void askOne() {
      synchronized (this) {
        if (ended || refusing) {
          return;
        }
        asked++;
      }
      responses.request(1);
    }

    /** Asks for as many chunks as fit the window, counting each asked-for frame as a full chunk. */
    private void askForChunks() {
      int more = 0;
      synchronized (this) {
        if (ended || refusing || chunkBytes == 0) {
          return;
        }
        while (heldBytes + (long) (asked + more + 1) * chunkBytes <= settings.receiveWindowBytes()) {
          more++;
        }
        asked += more;
      }
      if (more > 0) {
        responses.request(more); // outside the lock: gRPC may deliver on this thread
      }
    }

    /** A chunk's bytes left memory (written, or dropped): room for more. */
    private void dropped(int bytes) {
      synchronized (this) {
        heldBytes -= bytes;
      }
      metrics.held(-bytes);
      askForChunks();
    }

    // ------------------------------------------------------------ steps (I/O executor, in order)

    private synchronized boolean isEnded() {
      return ended;
    }

    private CompletableFuture<Void> step(SnapshotClientFrame frame) {
      if (isEnded()) {
        return done();
      }
      try {
        switch (frame.getKindCase()) {
          case RESERVE:
            return reserve(frame.getReserve());
          case OFFER:
            return offer(frame.getOffer());
          case CHUNK:
            return chunk(frame.getChunk());
          case FINISH:
            return finish();
          default:
            throw violation(ProtocolProblem.EMPTY_FRAME, "a frame of no kind this store knows");
        }
      } catch (SnapshotException e) {
        return CompletableFuture.failedFuture(e);
      } catch (IOException e) {
        return CompletableFuture.failedFuture(new SnapshotException(SnapshotFailure.INSTALL_FAILED, "staging failed: " + e, e));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(new SnapshotException(SnapshotFailure.INVALID, String.valueOf(e.getMessage()), e));
      }
    }

    private CompletableFuture<Void> reserve(Reserve reserve) throws SnapshotException {
      if (ticket != null) {
        throw violation(ProtocolProblem.BAD_RESERVE, "reserved twice");
      }
      if (reserve.getVersion() != SnapshotWire.VERSION) {
        throw violation(ProtocolProblem.BAD_RESERVE, "snapshot protocol version " + reserve.getVersion()
            + " is not supported by " + local + ", which speaks " + SnapshotWire.VERSION);
      }
      if (reserve.getRecipientStore() != local.value()) {
        throw violation(ProtocolProblem.BAD_RESERVE, "sent to s" + reserve.getRecipientStore() + " but this is " + local);
      }
      if (reserve.getSenderStore() < 1 || reserve.getLeaderStore() < 1 || reserve.getRangeId() < 1
          || reserve.getRemainingNanos() <= 0) {
        throw violation(ProtocolProblem.BAD_RESERVE, "a reservation without its stores, range or deadline");
      }
      StoreId connection = authenticated;
      if (connection != null && reserve.getSenderStore() != connection.value()) {
        return denied(IdentityRefusal.SENDER_NOT_AUTHENTICATED, "a reservation from s" + reserve.getSenderStore()
            + " (for leader s" + reserve.getLeaderStore() + ") on a connection whose certificate names " + connection);
      }
      RangeId range = RangeId.of(reserve.getRangeId());
      if (ranges.isPresent() && ranges.get().state(range).isEmpty()) {
        throw new SnapshotException(SnapshotFailure.UNKNOWN_RANGE, local + " hosts no replica of " + range);
      }
      reserved = range;
      sender = StoreId.of(reserve.getSenderStore());
      leader = StoreId.of(reserve.getLeaderStore());
      purpose = SnapshotWire.purpose(reserve.getPurpose());
      SnapshotSlots.Ticket t = slots.reserve(purpose, reserve.getRemainingNanos());
      ticket = t;
      metrics.queueChanged(slots);
      return t.granted.thenRun(() -> {
        granted = true;
        metrics.queueChanged(slots);
        respond(SnapshotServerFrame.newBuilder()
            .setGranted(Granted.newBuilder().setMaxChunkBytes(maxChunkBytes)).build());
        askOne(); // the offer
      });
    }

    private CompletableFuture<Void> offer(Offer wire) throws SnapshotException, IOException {
      RangeId range = reserved;
      StoreId from = sender;
      StoreId forLeader = leader;
      if (!granted || offer != null || range == null || from == null || forLeader == null) {
        throw violation(ProtocolProblem.BAD_OFFER, "an offer before a slot was granted, or twice");
      }
      SnapshotMeta meta;
      try {
        meta = SnapshotWire.meta(wire.getMeta());
      } catch (IllegalArgumentException e) {
        throw violation(ProtocolProblem.BAD_OFFER, "an offer out of range: " + e.getMessage());
      }
      if (!meta.range().equals(range)) {
        throw violation(ProtocolProblem.BAD_OFFER, "an offer of " + meta.range() + " on a reservation for " + range);
      }
      int chunk = wire.getChunkBytes();
      if (chunk < 1 || chunk > maxChunkBytes) {
        throw violation(ProtocolProblem.BAD_OFFER, "chunks of " + Integer.toUnsignedString(chunk) + " bytes, "
            + local + " takes 1.." + maxChunkBytes);
      }
      if (meta.sizeBytes() > settings.maxSnapshotBytes()) {
        throw new SnapshotException(SnapshotFailure.TOO_LARGE,
            meta + " exceeds the " + settings.maxSnapshotBytes() + " bytes " + local + " accepts");
      }
      SnapshotOffer candidate = SnapshotOffer.of(from, forLeader, purpose, meta);
      SnapshotConsent consent = consent(candidate);
      if (!consent.accepted()) {
        throw new SnapshotException(SnapshotFailure.NOT_REQUESTED,
            local + "'s replica did not ask for " + candidate + ": " + consent.reason());
      }
      Spool.Stage opened = spool.open(meta).orElseThrow(() -> new SnapshotException(SnapshotFailure.RECIPIENT_BUSY,
          "another transfer is staging a snapshot of " + meta.range()));
      stage = opened;
      offer = candidate;
      long offset = opened.length();
      if (offset > 0) {
        metrics.resumed(offset);
      }
      respond(SnapshotServerFrame.newBuilder().setResume(Resume.newBuilder().setOffset(offset)).build());
      synchronized (this) {
        chunkBytes = chunk;
      }
      askForChunks();
      return done();
    }

    private SnapshotConsent consent(SnapshotOffer candidate) {
      try {
        return sink.consent(candidate);
      } catch (RuntimeException e) {
        problems.report("the snapshot sink", "snapshot consent failed", e.toString());
        return SnapshotConsent.refuse("the library failed to decide: " + e);
      }
    }

    private CompletableFuture<Void> chunk(Chunk chunk) throws SnapshotException {
      Spool.Stage staging = stage;
      if (staging == null) {
        throw violation(ProtocolProblem.CHUNK_WITHOUT_OFFER, "a chunk before an offer was accepted");
      }
      long expected = staging.length();
      long offset = chunk.getOffset();
      int bytes = chunk.getData().size();
      long size = staging.meta.sizeBytes();
      if (bytes == 0) {
        throw violation(ProtocolProblem.EMPTY_CHUNK, "a chunk without bytes at " + offset);
      }
      if (offset != expected) {
        // Sent before the sender saw our nack: skipped, it resends from there. Honest senders
        // send those at rising offsets within the snapshot.
        if (awaitingResend && offset > lastSkipped && offset >= 0 && offset <= size - bytes) {
          lastSkipped = offset;
          return done();
        }
        throw violation(ProtocolProblem.CHUNK_OUT_OF_ORDER, "a chunk at " + offset + ", expected " + expected);
      }
      if (bytes > size - expected) {
        throw violation(ProtocolProblem.CHUNK_BEYOND_SIZE,
            "a chunk of " + bytes + " bytes at " + offset + " of a snapshot of " + size);
      }
      ByteBuffer data = chunk.getData().asReadOnlyByteBuffer();
      CRC32C crc = new CRC32C();
      crc.update(data.duplicate());
      if ((int) crc.getValue() != chunk.getCrc32C()) {
        metrics.corruptChunk();
        if (++nacks > settings.maxCorruptions()) {
          throw new SnapshotException(SnapshotFailure.CORRUPT, nacks + " chunks failed their checksum");
        }
        awaitingResend = true;
        lastSkipped = expected;
        respond(SnapshotServerFrame.newBuilder()
            .setChunkNack(ChunkNack.newBuilder().setOffset(expected).setReason("crc32c mismatch")).build());
        return done();
      }
      awaitingResend = false;
      RangeId range = staging.meta.range();
      CompletableFuture<Void> paced = new CompletableFuture<>();
      var unused = timebase.schedule(() -> paced.complete(null), receiveLimit.reserve(bytes));
      return waitFor(paced)
          .thenCompose(ok -> isEnded() ? done() : waitFor(flow.map(f -> f.admitElasticWork(range, bytes)).orElse(done())))
          .thenRunAsync(() -> write(staging, data, bytes), io);
    }

    private void write(Spool.Stage staging, ByteBuffer data, int bytes) {
      if (isEnded()) {
        return;
      }
      try {
        long start = timebase.nanoTime();
        staging.append(data);
        flow.ifPresent(f -> f.recordDiskWrite(bytes, timebase.nanoTime() - start));
      } catch (IOException e) {
        throw new CompletionException(new SnapshotException(SnapshotFailure.INSTALL_FAILED, "staging failed: " + e, e));
      }
      metrics.received(bytes);
      respond(SnapshotServerFrame.newBuilder().setChunkAck(ChunkAck.newBuilder().setNextOffset(staging.length())).build());
    }

    /** {@code pending}, or done at once if the transfer ends first. */
    private CompletableFuture<Void> waitFor(CompletableFuture<?> pending) {
      CompletableFuture<Void> wait = new CompletableFuture<>();
      synchronized (this) {
        if (ended) {
          return done();
        }
        waiting = wait;
      }
      var unused = pending.whenComplete((ok, error) -> {
        if (error != null) {
          wait.completeExceptionally(error);
        } else {
          wait.complete(null);
        }
      });
      return wait;
    }

    private CompletableFuture<Void> finish() throws SnapshotException, IOException {
      Spool.Stage staged = stage;
      SnapshotOffer accepted = offer;
      if (staged == null || accepted == null) {
        throw violation(ProtocolProblem.FINISH_WITHOUT_OFFER, "a finish before an offer was accepted");
      }
      if (!staged.complete()) {
        metrics.corruptSnapshot();
        throw new SnapshotException(SnapshotFailure.CORRUPT,
            "the staged bytes do not match the offered size and CRC32C; the stage was deleted");
      }
      try {
        sink.install(accepted, staged.file);
      } catch (IOException | RuntimeException e) {
        throw new SnapshotException(SnapshotFailure.INSTALL_FAILED, "the library did not install " + accepted + ": " + e, e);
      }
      if (!end()) {
        cleanUp(false);
        return done(); // cancelled while installing: the sender hears nothing, the metric counts it
      }
      metrics.installed();
      respond(SnapshotServerFrame.newBuilder().setInstalled(Installed.getDefaultInstance()).build());
      complete();
      cleanUp(false);
      return done();
    }

    // ------------------------------------------------------------ endings

    /** Marks the transfer over; true for the call that did. Ends a wait in progress. */
    private boolean end() {
      CompletableFuture<Void> wait;
      synchronized (this) {
        if (ended) {
          return false;
        }
        ended = true;
        wait = waiting;
        waiting = null;
      }
      if (wait != null) {
        wait.complete(null);
      }
      return true;
    }

    /** A step failed: refuse the transfer with the failure's reason and delete the stage. */
    private @Nullable Void fail(Throwable error) {
      SnapshotException e = SnapshotWire.unwrap(error);
      if (!end()) {
        return null; // ended already (cancelled, broken): whoever ended it cleans up
      }
      metrics.refused(e.failure());
      String message = String.valueOf(e.getMessage());
      if (PEER_PROBLEMS.contains(e.failure())) {
        String prefix = e.failure().name() + ": "; // SnapshotException's message starts with it
        problems.report(source(), "snapshot transfer refused, " + e.failure().name(),
            message.startsWith(prefix) ? message.substring(prefix.length()) : message);
      } else {
        log.debug("{}: refusing a snapshot transfer from {}: {}", local, source(), message);
      }
      respond(SnapshotServerFrame.newBuilder().setRefused(SnapshotWire.refused(e.failure(), message)).build());
      complete();
      cleanUp(false);
      return null;
    }

    /** Gives the slot back and lets go of the stage: kept for a resume ({@code broken}) or deleted. */
    private void cleanUp(boolean broken) {
      live.remove(this);
      SnapshotSlots.Ticket held = ticket;
      if (held != null) {
        held.release();
        metrics.queueChanged(slots);
      }
      Spool.Stage staged = stage;
      if (staged != null) {
        stage = null;
        spool.release(staged, broken);
      }
    }

    private SnapshotException violation(ProtocolProblem problem, String message) {
      metrics.protocolError(problem);
      return new SnapshotException(SnapshotFailure.INVALID, message);
    }

    private String source() {
      StoreId claimed = sender;
      StoreId connection = authenticated;
      String who = connection == null ? peer : peer + " " + connection;
      return claimed == null || claimed.equals(connection) ? who : who + " (claims " + claimed + ")";
    }

    private void complete() {
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
