package io.raftwire.grpc.internal.snapshot.delegation;

import com.codahale.metrics.Counter;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.peer.Peers;
import io.raftwire.grpc.internal.snapshot.transfer.ConnectionIdentity;
import io.raftwire.grpc.internal.snapshot.transfer.IdentityRefusal;
import io.raftwire.grpc.internal.snapshot.transfer.SnapshotWire;
import io.raftwire.grpc.internal.snapshot.transfer.SnapshotWire.Parsed;
import io.raftwire.grpc.internal.snapshot.transfer.TransferMetrics;
import io.raftwire.grpc.internal.snapshot.transfer.Transfers;
import io.raftwire.grpc.internal.wire.DelegateEvent;
import io.raftwire.grpc.internal.wire.DelegateRequest;
import io.raftwire.grpc.internal.wire.Granted;
import io.raftwire.grpc.internal.wire.RaftSnapshotsGrpc;
import io.raftwire.snapshot.ReplicaState;
import io.raftwire.snapshot.SnapshotException;
import io.raftwire.snapshot.SnapshotFailure;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotSource;
import io.raftwire.time.Timebase;
import io.raftwire.topology.Locality;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sending a snapshot from the replica nearest the recipient instead of from the leader.
 *
 * <p><b>Leader side ({@link #send}).</b> The candidates are the range's other members (not the
 * recipient) that share more locality tiers with the recipient than this store does, closest
 * first, at most {@code maxDelegates}. Each is asked in turn; a refusal, no answer within the
 * accept timeout, a broken call or a failed delegated transfer moves on to the next, and after
 * the last the leader sends itself. A failure that lies with the recipient (it does not host the
 * range, the snapshot is too large for it, its install failed, the request was invalid) ends the
 * send at once: another sender would meet the same answer.
 *
 * <p><b>Delegate side ({@link #method}).</b> A request is refused, with a typed reason and a
 * metric, unless this store hosts the range, knows the same term and membership generation as
 * the leader (STALE_TERM), has applied at least up to the entry before the leader's first log
 * index, the oldest a useful snapshot may end at (DELEGATE_BEHIND), still counts the recipient as a member (NOT_A_MEMBER) and has fewer than
 * {@code maxDelegatedTransfers} delegated sends in progress (DELEGATE_BUSY). An accepted request
 * becomes an ordinary transfer to the recipient, on behalf of the request's leader (the recipient's
 * library checks that it follows that leader), which also fails DELEGATE_BEHIND if the snapshot
 * it would send is older than the leader's log start. A request that does not parse ends its call
 * INVALID_ARGUMENT and is counted; both it and an invalid request are reported to the transfers'
 * {@code ProblemLog}. On a mutual TLS server only the leader itself may ask: a request naming
 * another leader than the store of its connection ends PERMISSION_DENIED before any check runs or
 * anything is sent ({@code snapshot.identity_refused.LEADER_NOT_AUTHENTICATED}); otherwise any
 * store could have this one send its snapshots, for any leader, to any member.
 *
 * <p>Thread-safe. Nothing blocks: calls are asynchronous and the timers run on the transport's
 * timebase.
 */
public final class Delegation {
  private static final Logger log = LoggerFactory.getLogger(Delegation.class);

  /** Failures that lie with the recipient or the request: asking someone else cannot help. */
  private static final Set<SnapshotFailure> FINAL = EnumSet.of(SnapshotFailure.TOO_LARGE,
      SnapshotFailure.UNKNOWN_RANGE, SnapshotFailure.INSTALL_FAILED, SnapshotFailure.NOT_REQUESTED,
      SnapshotFailure.INVALID, SnapshotFailure.CLOSED);

  private final StoreId local;
  private final Locality locality;
  private final Peers peers;
  private final SnapshotSource source;
  private final Transfers transfers;
  private final int maxDelegates;
  private final long acceptNanos;
  private final int maxDelegatedTransfers;
  private final Timebase timebase;
  private final Executor io;
  private final DelegationMetrics metrics;
  private final ProblemLog problems;
  private final ConnectionIdentity identity;
  private final Map<IdentityRefusal, Counter> identityRefused;
  private final AtomicInteger delegatedInProgress = new AtomicInteger();

  /**
   * @param locality this store's locality
   * @param maxDelegates most candidates asked before the leader sends itself
   * @param acceptNanos how long a candidate has to accept
   * @param maxDelegatedTransfers most sends this store makes for other stores at once
   * @param io runs the checks that call into the library's source (off the network thread)
   * @param identity who the connection of an incoming request is (mutual TLS)
   */
  public Delegation(StoreId local, Locality locality, Peers peers, SnapshotSource source, Transfers transfers,
      int maxDelegates, long acceptNanos, int maxDelegatedTransfers, Timebase timebase, Executor io,
      StoreMetrics storeMetrics, ConnectionIdentity identity) {
    this.local = local;
    this.locality = locality;
    this.peers = peers;
    this.source = source;
    this.transfers = transfers;
    this.maxDelegates = maxDelegates;
    this.acceptNanos = acceptNanos;
    this.maxDelegatedTransfers = maxDelegatedTransfers;
    this.timebase = timebase;
    this.io = io;
    this.metrics = new DelegationMetrics(storeMetrics, delegatedInProgress::get);
    this.problems = transfers.problems();
    this.identity = identity;
    this.identityRefused = TransferMetrics.identityRefusals(storeMetrics);
  }

  // ---------------------------------------------------------------- leader side

  public CompletableFuture<SnapshotMeta> send(RangeId range, StoreId recipient, SnapshotPurpose purpose, long deadlineNanos) {
    Optional<ReplicaState> state = state(range);
    List<StoreId> candidates = state.isPresent() && maxDelegates > 0 ? candidates(state.get(), recipient) : List.of();
    if (candidates.isEmpty()) {
      metrics.noCandidate();
      return transfers.send(range, recipient, local, purpose, deadlineNanos, 0);
    }
    Asking asking = new Asking(range, recipient, purpose, timebase.nanoTime() + deadlineNanos, state.get(), candidates);
    asking.next();
    return asking.result;
  }

  /** The members closer to {@code recipient} than this store, closest first (ties by store id). */
  List<StoreId> candidates(ReplicaState state, StoreId recipient) {
    Locality target = locality(recipient);
    int own = locality.closeness(target);
    return state.members().stream()
        .filter(s -> !s.equals(local) && !s.equals(recipient))
        .filter(s -> locality(s).closeness(target) > own)
        .sorted(Comparator.comparingInt((StoreId s) -> -locality(s).closeness(target)).thenComparingLong(StoreId::value))
        .limit(maxDelegates)
        .collect(Collectors.toList());
  }

  private Locality locality(StoreId store) {
    try {
      return peers.locality(store);
    } catch (RuntimeException e) {
      return Locality.UNKNOWN;
    }
  }

  private Optional<ReplicaState> state(RangeId range) {
    try {
      return source.state(range);
    } catch (RuntimeException e) {
      log.warn("{}: the snapshot source failed to report {}", local, range, e);
      return Optional.empty();
    }
  }

  /** One send: asks the candidates in turn, then sends itself. State guarded by its own lock. */
  private final class Asking {
    final RangeId range;
    final StoreId recipient;
    final SnapshotPurpose purpose;
    final long deadline;
    final ReplicaState leaderState;
    final Iterator<StoreId> candidates;
    final CompletableFuture<SnapshotMeta> result = new CompletableFuture<>();
    private Call current; // @GuardedBy("this")

    Asking(RangeId range, StoreId recipient, SnapshotPurpose purpose, long deadline, ReplicaState leaderState,
        List<StoreId> candidates) {
      this.range = range;
      this.recipient = recipient;
      this.purpose = purpose;
      this.deadline = deadline;
      this.leaderState = leaderState;
      this.candidates = candidates.iterator();
    }

    synchronized void next() {
      if (result.isDone()) {
        return;
      }
      long left = deadline - timebase.nanoTime();
      if (left <= 0) {
        result.completeExceptionally(new SnapshotException(SnapshotFailure.DEADLINE_EXCEEDED,
            "no time left to send " + range + " to " + recipient));
        return;
      }
      if (!candidates.hasNext()) {
        current = null;
        metrics.leaderSends();
        var unused = transfers.send(range, recipient, local, purpose, left, 0).whenComplete((meta, error) -> {
          if (error == null) {
            result.complete(meta);
          } else {
            result.completeExceptionally(SnapshotWire.unwrap(error));
          }
        });
        return;
      }
      StoreId delegate = candidates.next();
      metrics.delegationAsked();
      ClientCall<DelegateRequest, DelegateEvent> call;
      try {
        call = transfers.channel(delegate).newCall(RaftSnapshotsGrpc.getDelegateMethod(),
            CallOptions.DEFAULT.withDeadlineAfter(left, TimeUnit.NANOSECONDS));
      } catch (SnapshotException e) {
        metrics.delegationRefused(e.failure());
        log.debug("{}: cannot ask {} to send {}: {}", local, delegate, range, e.getMessage());
        timebase.execute(this::next);
        return;
      }
      Call c = new Call(delegate, call);
      current = c;
      c.timer = timebase.schedule(() -> acceptTimedOut(c), Math.min(acceptNanos, left));
      ClientCalls.asyncServerStreamingCall(call, DelegateRequest.newBuilder()
          .setVersion(SnapshotWire.VERSION).setLeaderStore(local.value()).setRecipientStore(recipient.value())
          .setRangeId(range.value()).setPurpose(SnapshotWire.purpose(purpose)).setTerm(leaderState.term())
          .setConfigGeneration(leaderState.configGeneration()).setLeaderFirstLogIndex(leaderState.firstLogIndex())
          .setRemainingNanos(left).build(), c);
    }

    private void acceptTimedOut(Call c) {
      synchronized (this) {
        if (current != c || c.accepted || c.done) {
          return;
        }
        c.done = true;
        metrics.delegationTimeout();
      }
      c.call.cancel("no answer within the accept timeout", null);
      next();
    }

    /** The events of one delegate's call; ignored once the call is no longer current. */
    private final class Call implements StreamObserver<DelegateEvent> {
      final StoreId delegate;
      final ClientCall<DelegateRequest, DelegateEvent> call;
      Timebase.@Nullable Cancellable timer; // @GuardedBy("Asking.this")
      boolean accepted; // @GuardedBy("Asking.this")
      boolean done; // @GuardedBy("Asking.this")

      Call(StoreId delegate, ClientCall<DelegateRequest, DelegateEvent> call) {
        this.delegate = delegate;
        this.call = call;
      }

      // called under Asking.this
      void cancelTimer() {
        Timebase.Cancellable t = timer;
        if (t != null) {
          t.cancel();
        }
      }

      @Override
      public void onNext(DelegateEvent event) {
        boolean askNext = false;
        synchronized (Asking.this) {
          if (done) {
            return;
          }
          switch (event.getKindCase()) {
            case ACCEPTED:
              accepted = true;
              cancelTimer();
              return;
            case INSTALLED:
              done = true;
              metrics.delegated();
              try {
                result.complete(SnapshotWire.meta(event.getInstalled()));
              } catch (IllegalArgumentException e) {
                result.completeExceptionally(new SnapshotException(SnapshotFailure.INVALID,
                    delegate + " reported an invalid snapshot: " + e.getMessage()));
              }
              return;
            case REFUSED:
              done = true;
              cancelTimer();
              SnapshotFailure failure = SnapshotWire.failure(event.getRefused());
              String message = event.getRefused().getMessage();
              if (accepted) {
                metrics.delegationFailed(failure);
              } else {
                metrics.delegationRefused(failure);
              }
              log.debug("{}: {} did not send {} to {}: {}", local, delegate, range, recipient, message);
              if (accepted && FINAL.contains(failure)) {
                result.completeExceptionally(new SnapshotException(failure, "delegate " + delegate + ": " + message));
              } else {
                askNext = true;
              }
              break;
            default:
              return;
          }
        }
        if (askNext) {
          next();
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (Asking.this) {
          if (done) {
            return;
          }
          done = true;
          cancelTimer();
          Status.Code code = Status.fromThrowable(t).getCode();
          if (!accepted && (code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNAUTHENTICATED)) {
            metrics.delegationRefused(SnapshotFailure.PERMISSION_DENIED); // it does not take this store's word
          } else {
            // An accepted transfer may still be running at the delegate; the recipient's slots and
            // its library's index checks make a second copy harmless, only wasteful.
            metrics.delegationFailed(SnapshotFailure.UNREACHABLE);
          }
          log.debug("{}: the call to delegate {} for {} broke: {}", local, delegate, range, t.toString());
        }
        next();
      }

      @Override
      public void onCompleted() {
        onError(new IllegalStateException(delegate + " ended the call without an outcome"));
      }
    }
  }

  // ---------------------------------------------------------------- delegate side

  /** The delegate side's {@code Delegate} RPC, which parses its request itself. */
  public ServerMethodDefinition<Parsed<DelegateRequest>, DelegateEvent> method() {
    ServerCallHandler<Parsed<DelegateRequest>, DelegateEvent> handler = (call, headers) -> {
      String peer = SnapshotWire.peerHost(call);
      StoreId authenticated = identity.authenticatedPeer(); // in the call's context
      // Off the network thread: the checks call into the library's source.
      ServerCallHandler<Parsed<DelegateRequest>, DelegateEvent> calls = ServerCalls.asyncServerStreamingCall(
          (request, out) -> io.execute(() -> serve(authenticated == null ? peer : peer + " " + authenticated,
              authenticated, request, (ServerCallStreamObserver<DelegateEvent>) out)));
      return calls.startCall(call, headers);
    };
    return ServerMethodDefinition.create(
        SnapshotWire.parsingOnServer(RaftSnapshotsGrpc.getDelegateMethod(), DelegateRequest.parser()), handler);
  }

  private void serve(String peer, @Nullable StoreId authenticated, Parsed<DelegateRequest> parsed,
      ServerCallStreamObserver<DelegateEvent> events) {
    DelegateRequest request = parsed.message();
    if (request == null) {
      metrics.malformedRequest();
      problems.report(peer, "delegation request malformed", String.valueOf(parsed.error()));
      endWith(events, Status.INVALID_ARGUMENT.withDescription("malformed delegation request: " + parsed.error()));
      return;
    }
    if (authenticated != null && request.getLeaderStore() != authenticated.value()) {
      IdentityRefusal reason = IdentityRefusal.LEADER_NOT_AUTHENTICATED;
      String detail = "a request to send r" + request.getRangeId() + " to s" + request.getRecipientStore()
          + " for leader s" + request.getLeaderStore() + " on a connection whose certificate names " + authenticated;
      identityRefused.get(reason).inc();
      metrics.delegateRefused(SnapshotFailure.PERMISSION_DENIED);
      problems.report(peer, "delegation request refused, " + reason, detail);
      endWith(events, Status.PERMISSION_DENIED.withDescription(reason + ": " + detail));
      return;
    }
    SnapshotException refusal = check(request);
    if (refusal == null) {
      if (delegatedInProgress.incrementAndGet() > maxDelegatedTransfers) {
        delegatedInProgress.decrementAndGet();
        refusal = new SnapshotException(SnapshotFailure.DELEGATE_BUSY, local + " already sends "
            + maxDelegatedTransfers + " snapshots for other stores");
      }
    }
    if (refusal != null) {
      metrics.delegateRefused(refusal.failure());
      if (refusal.failure() == SnapshotFailure.INVALID) {
        problems.report(peer, "delegation request refused, INVALID", String.valueOf(refusal.getMessage()));
      }
      log.debug("{}: refusing to send r{} for s{}: {}", local, request.getRangeId(), request.getLeaderStore(),
          refusal.getMessage());
      finish(events, DelegateEvent.newBuilder()
          .setRefused(SnapshotWire.refused(refusal.failure(), String.valueOf(refusal.getMessage()))).build());
      return;
    }
    metrics.delegateAccepted();
    synchronized (events) {
      events.onNext(DelegateEvent.newBuilder().setAccepted(Granted.getDefaultInstance()).build());
    }
    RangeId range = RangeId.of(request.getRangeId());
    StoreId recipient = StoreId.of(request.getRecipientStore());
    StoreId leader = StoreId.of(request.getLeaderStore());
    var unused = transfers.send(range, recipient, leader, SnapshotWire.purpose(request.getPurpose()),
            request.getRemainingNanos(), request.getLeaderFirstLogIndex() - 1)
        .whenComplete((meta, error) -> {
          delegatedInProgress.decrementAndGet();
          DelegateEvent outcome;
          if (error == null) {
            outcome = DelegateEvent.newBuilder().setInstalled(SnapshotWire.proto(meta)).build();
          } else {
            SnapshotException e = SnapshotWire.unwrap(error);
            outcome = DelegateEvent.newBuilder()
                .setRefused(SnapshotWire.refused(e.failure(), String.valueOf(e.getMessage()))).build();
          }
          finish(events, outcome);
        });
  }

  /** Why this store should not send for the request's leader, or null if it may. */
  private SnapshotException check(DelegateRequest request) {
    if (request.getVersion() != SnapshotWire.VERSION || request.getRangeId() < 1 || request.getRecipientStore() < 1
        || request.getLeaderStore() < 1 || request.getRemainingNanos() <= 0
        || request.getRecipientStore() == local.value()) {
      return new SnapshotException(SnapshotFailure.INVALID, "malformed delegation request " + request);
    }
    RangeId range = RangeId.of(request.getRangeId());
    StoreId recipient = StoreId.of(request.getRecipientStore());
    Optional<ReplicaState> known = state(range);
    if (known.isEmpty()) {
      return new SnapshotException(SnapshotFailure.UNKNOWN_RANGE, local + " hosts no replica of " + range);
    }
    ReplicaState state = known.get();
    if (state.term() != request.getTerm() || state.configGeneration() != request.getConfigGeneration()) {
      return new SnapshotException(SnapshotFailure.STALE_TERM, String.format(
          "%s knows term %d and config %d of %s, the leader term %d and config %d", local, state.term(),
          state.configGeneration(), range, request.getTerm(), request.getConfigGeneration()));
    }
    // A snapshot helps if it covers the entry before the leader's first log index; a delegate that
    // has not applied that far cannot have one.
    if (state.appliedIndex() + 1 < request.getLeaderFirstLogIndex()) {
      return new SnapshotException(SnapshotFailure.DELEGATE_BEHIND, String.format(
          "%s applied %s up to %d, the leader's log starts at %d", local, range, state.appliedIndex(),
          request.getLeaderFirstLogIndex()));
    }
    if (!state.members().contains(recipient)) {
      return new SnapshotException(SnapshotFailure.NOT_A_MEMBER, recipient + " is not a member of " + range
          + " at " + local + " (members " + state.members() + ")");
    }
    return null;
  }

  private static void endWith(ServerCallStreamObserver<DelegateEvent> events, Status status) {
    synchronized (events) {
      try {
        events.onError(status.asRuntimeException());
      } catch (RuntimeException e) {
        log.debug("the delegation call ended before its refusal: {}", e.toString());
      }
    }
  }

  private static void finish(ServerCallStreamObserver<DelegateEvent> events, DelegateEvent last) {
    synchronized (events) {
      if (events.isCancelled()) {
        return; // the leader gave up on this call; the outcome is only in our metrics
      }
      try {
        events.onNext(last);
        events.onCompleted();
      } catch (RuntimeException e) {
        log.debug("the leader's delegation call ended before its outcome: {}", e.toString());
      }
    }
  }
}
