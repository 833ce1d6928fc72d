package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.NodeManager;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.rpc.InvokeCallback;
import com.alipay.sofa.jraft.rpc.RaftClientService;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesRequestHeader;
import com.alipay.sofa.jraft.rpc.impl.AbstractClientService;
import com.alipay.sofa.jraft.rpc.impl.ConnectionClosedEventListener;
import com.alipay.sofa.jraft.util.Endpoint;
import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.Message;
import io.raftwire.adapter.jraft.codec.JraftCodec;
import io.raftwire.adapter.jraft.codec.JraftFrame;
import io.raftwire.adapter.jraft.codec.MalformedFrameException;
import io.raftwire.adapter.jraft.wire.FailureCode;
import io.raftwire.adapter.jraft.wire.Frame;
import io.raftwire.adapter.jraft.wire.Kind;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.heartbeat.HeartbeatHandler;
import io.raftwire.heartbeat.Heartbeats;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.time.ExecutorTimebase;
import io.raftwire.time.Timebase;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One store of this process as jraft's RPC layer: its transport, its table of calls in flight, the
 * jraft server it runs, and the ranges of the groups it hosts. Created by {@link
 * RaftwireJraft#install}; {@link #close()} uninstalls it.
 *
 * <p><b>Inbound.</b> Every hosted group's range, and the {@link GroupRanges#SERVICE_RANGE}, is
 * registered with the transport. A request is decoded on the transport's worker thread (serially
 * per range) and handed, in arrival order, to the executor jraft's processor asks for: the
 * per-peer single-thread executor that jraft's append processor selects for pipelined appends
 * (which keeps them in the order the transport delivered them), the processor's own executor, or
 * this store's bounded dispatch pool. Heartbeats skip the per-peer executor so they never wait
 * behind appends on the follower either. An answer completes its call.
 *
 * <p><b>Hosted groups.</b> jraft has no event for a node that starts or stops, so every {@link
 * JraftOptions#nodeScanNanos()} the store looks at jraft's {@code NodeManager}: the range of every
 * group with a node on this store is registered, the range of a group whose last node here is gone
 * is unregistered (later messages for it are refused {@code UNKNOWN_RANGE} and their calls fail
 * at once), and each node's RPC client is bound to this store.
 *
 * <p><b>Bad input</b> (a frame that does not decode, or one that claims a sender, target, group or
 * call its envelope does not have: {@link InboundCheck}) is counted under {@code
 * raftwire.<store>.jraft.malformed.<problem>}, reported, and answered with a failure ({@code
 * IDENTITY_MISMATCH} for a claim, {@code MALFORMED_REQUEST} otherwise) if it was a request to this
 * store whose header could be read; jraft never sees it.
 *
 * <p><b>Reports.</b> Everything that could otherwise log once per message or per scan (bad input,
 * jraft code that throws on a request, a callback or an observer) is counted and reported through
 * a {@link ProblemLog}: one line per source (the peer store that sent it, or this store) and
 * problem per interval, with a count of the rest, to {@link JraftOptions#problemLines()}. The log
 * is flushed every interval on {@link JraftOptions#problemTimebase()}, by default this store's
 * timer thread. Stack traces of failures in jraft or user code go to DEBUG.
 *
 * <p>Thread-safe.
 */
public final class JraftStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JraftStore.class);
  private static final SecureRandom random = new SecureRandom();

  private final RaftTransport transport;
  private final StoreDirectory directory;
  private final Endpoint endpoint;
  private final JraftOptions options;
  private final StoreId store;
  private final long incarnation;
  private final JraftCodec codec;
  private final MetricRegistry metrics;
  private final String prefix;
  private final PendingCalls calls;
  private final InboundCheck check;
  private final ThreadPoolExecutor dispatch;
  private final ScheduledExecutorService timer;
  private final Timebase problemTimebase;
  private final ProblemLog problems;
  private volatile Timebase.Cancellable problemFlushes = () -> {};
  private final Map<StoreId, PeerConnection> connections = new ConcurrentHashMap<>(); // bounded by the directory
  private final Map<RangeId, Hosted> hosted = new ConcurrentHashMap<>(); // bounded by the groups hosted
  private final Set<RangeId> leading = new HashSet<>(); // @GuardedBy("itself"): bounded by the groups hosted
  private final Registration dropRegistration;
  private final Heartbeats heartbeats; // null: every message travels as an envelope
  private final Registration heartbeatRegistration;
  private final Object serverLock = new Object();
  private volatile StoreRpcServer server; // @GuardedBy("serverLock") for writes
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>(); // bounded: enum-named counters

  private JraftStore(RaftTransport transport, StoreDirectory directory, Endpoint endpoint, JraftOptions options) {
    this.transport = transport;
    this.directory = directory;
    this.endpoint = endpoint;
    this.options = options;
    this.store = transport.localStore();
    long inc;
    do {
      inc = random.nextLong();
    } while (inc == 0);
    this.incarnation = inc;
    this.codec = new JraftCodec(options.entryPriority());
    this.metrics = options.metricRegistry();
    this.prefix = MetricRegistry.name("raftwire", store.toString(), "jraft");
    this.calls = new PendingCalls(options.maxPendingCalls(), options.nanoClock(), metrics, prefix);
    this.check = new InboundCheck(store, directory, options.groupRanges(), calls);
    AtomicInteger threads = new AtomicInteger();
    this.dispatch = new ThreadPoolExecutor(options.dispatchThreads(), options.dispatchThreads(), 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(options.dispatchQueueTasks()), r -> {
          Thread t = new Thread(r, "raftwire-jraft-" + store + "-dispatch-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "raftwire-jraft-" + store + "-timer");
      t.setDaemon(true);
      return t;
    });
    this.problemTimebase = options.problemTimebase().orElseGet(() -> ExecutorTimebase.of(options.nanoClock(), timer,
        failure -> {
          count("timer_failures");
          log.warn("{}: flushing the problem log failed", store, failure);
        }));
    this.problems = ProblemLog.create(problemTimebase, options.problemLines().orElse(log::warn));
    metrics.gauge(MetricRegistry.name(prefix, "dispatch", "queued"), () -> () -> dispatch.getQueue().size());
    metrics.gauge(MetricRegistry.name(prefix, "groups"), () -> () -> Math.max(0, hosted.size() - 1));
    metrics.gauge(MetricRegistry.name(prefix, "connections"), () -> connections::size);
    this.dropRegistration = transport.addDropListener(this::onDropped);
    Heartbeats offered = options.coalescedHeartbeats() ? transport.heartbeats().orElse(null) : null;
    Registration registration = () -> {};
    if (offered != null) {
      try {
        registration = offered.register(new HeartbeatRoute());
      } catch (RuntimeException e) {
        dropRegistration.close();
        timer.shutdownNow();
        dispatch.shutdown();
        throw e;
      }
    }
    this.heartbeats = offered;
    this.heartbeatRegistration = registration;
    host(GroupRanges.SERVICE_RANGE, "");
  }

  static JraftStore start(RaftTransport transport, StoreDirectory directory, Endpoint endpoint, JraftOptions options) {
    JraftStore s = new JraftStore(transport, directory, endpoint, options);
    var unusedExpiry = s.timer.scheduleWithFixedDelay(s::expireCalls, options.timeoutTickNanos(), options.timeoutTickNanos(), TimeUnit.NANOSECONDS);
    var unusedScan = s.timer.scheduleWithFixedDelay(s::scanNodes, options.nodeScanNanos(), options.nodeScanNanos(),
        TimeUnit.NANOSECONDS);
    s.problemFlushes = s.problemTimebase.scheduleWithFixedDelay(s.problems::flush, ProblemLog.DEFAULT_INTERVAL_NANOS,
        ProblemLog.DEFAULT_INTERVAL_NANOS);
    return s;
  }

  /** {@return the raftwire store this is: the transport's local store} */
  public StoreId store() {
    return store;
  }

  /** {@return a copy of the jraft endpoint of this store (the {@code ip:port} of its peers)} */
  public Endpoint endpoint() {
    return endpoint.copy();
  }

  /**
   * {@return the groups whose nodes on this store are served now, as of the last node scan} A new
   * set the caller may keep.
   */
  public Set<String> hostedGroups() {
    Set<String> groups = new HashSet<>();
    for (Hosted h : hosted.values()) {
      if (!h.group.isEmpty()) {
        groups.add(h.group);
      }
    }
    return groups;
  }

  /** {@return the number of calls this store has in flight now} */
  public int pendingCalls() {
    return calls.size();
  }

  /** {@return where this store's metrics are: {@link JraftOptions#metricRegistry()}} */
  public MetricRegistry metrics() {
    return metrics;
  }

  /**
   * Looks at jraft's nodes now instead of at the next scan: registers the groups of nodes that
   * started here, unregisters those of nodes that stopped, and tells {@link
   * JraftOptions#onLeadershipLost()} of groups this store stopped leading. Tests call it; it also runs every {@link
   * JraftOptions#nodeScanNanos()}.
   */
  public void scanNodes() {
    if (closed.get()) {
      return;
    }
    try {
      Set<RangeId> seen = new HashSet<>();
      Set<RangeId> leadingNow = new HashSet<>();
      seen.add(GroupRanges.SERVICE_RANGE);
      for (Node node : NodeManager.getInstance().getAllNodes()) {
        if (node.getNodeId() == null || !directory.storeOf(node.getNodeId().getPeerId()).filter(store::equals).isPresent()) {
          continue;
        }
        RangeId range = options.groupRanges().rangeOf(node.getGroupId());
        seen.add(range);
        if (node.isLeader()) {
          leadingNow.add(range);
        }
        if (node instanceof NodeImpl) {
          RaftClientService rpc = ((NodeImpl) node).getRpcService();
          if (rpc instanceof AbstractClientService && ((AbstractClientService) rpc).getRpcClient() instanceof StoreRpcClient) {
            ((StoreRpcClient) ((AbstractClientService) rpc).getRpcClient()).bind(this);
          }
        }
        host(range, node.getGroupId());
      }
      synchronized (leading) {
        for (RangeId range : leading) {
          if (!leadingNow.contains(range)) {
            try {
              options.onLeadershipLost().accept(range);
            } catch (RuntimeException e) {
              problem(store, "leadership_observer_failures", "the leadership observer threw on " + range, e);
            }
          }
        }
        leading.clear();
        leading.addAll(leadingNow);
      }
      for (RangeId range : Set.copyOf(hosted.keySet())) {
        if (!seen.contains(range)) {
          Hosted gone = hosted.remove(range);
          if (gone != null) {
            gone.registration.close();
            log.info("{}: no node of group {} runs here any more", store, gone.group);
          }
        }
      }
    } catch (RuntimeException e) {
      problem(store, "scan_failures", "looking for jraft nodes failed", e);
    }
  }

  /** Uninstalls the store: fails its calls in flight, ends its connections; the transport stays open. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    RaftwireJraft.uninstalled(this);
    problemFlushes.cancel();
    timer.shutdownNow();
    dropRegistration.close();
    heartbeatRegistration.close();
    for (Hosted h : hosted.values()) {
      h.registration.close();
    }
    hosted.clear();
    calls.failAll(c -> true, new RemotingException("raftwire: store " + store + " was closed"));
    for (PeerConnection c : connections.values()) {
      c.close();
    }
    dispatch.shutdown();
  }

  boolean isClosed() {
    return closed.get();
  }

  RaftTransport transport() {
    return transport;
  }

  StoreDirectory directory() {
    return directory;
  }

  JraftOptions options() {
    return options;
  }

  PendingCalls calls() {
    return calls;
  }

  boolean attach(StoreRpcServer s) {
    synchronized (serverLock) {
      if (server != null && server != s && server.isStarted()) {
        log.error("{}: a jraft RpcServer runs here already; a second one is not started", store);
        return false;
      }
      server = s;
      return true;
    }
  }

  void detach(StoreRpcServer s) {
    synchronized (serverLock) {
      if (server != s) {
        return;
      }
      server = null;
    }
    for (PeerConnection c : connections.values()) {
      c.close();
    }
  }

  /** Runs {@code task} on the dispatch pool; inline if the pool refuses it. */
  void execute(Runnable task) {
    try {
      dispatch.execute(task);
    } catch (RejectedExecutionException e) {
      count("dispatch.inline");
      task.run();
    }
  }

  /**
   * Sends a request as a new call.
   *
   * @throws RemotingException if the call cannot leave: the store is closed, the table is full, or
   *     the transport refused the envelope (the reason is in the message)
   */
  void call(Object owner, StoreId destination, Message request, RangeId range, RangeId replyRange, ReplicaAddress from,
      ReplicaAddress to, long timeoutMs, PendingCalls.Completion completion) throws RemotingException {
    if (closed.get()) {
      throw new RemotingException("raftwire: store " + store + " is closed");
    }
    String type = request.getClass().getSimpleName();
    PendingCalls.Call call = calls.open(owner, destination, replyRange, type,
        TimeUnit.MILLISECONDS.toNanos(Math.max(1, timeoutMs)), completion);
    boolean heartbeat = heartbeats != null && JraftCodec.isHeartbeat(request);
    // A heartbeat names its call as its sending replica: records coalesce by (range, sender,
    // receiver), and two heartbeat calls of one group to one peer (the timer's and a read-index
    // confirmation) must not, or the older call would wait for its timeout. Nothing routes by the
    // replica id; the answer comes back to it.
    ReplicaAddress sender = heartbeat ? ReplicaAddress.of(from.store(), call.id) : from;
    RaftEnvelope envelope;
    try {
      envelope = codec.request(request, call.id, range, replyRange, sender, to, incarnation);
    } catch (RuntimeException e) {
      calls.cancel(call);
      count("encode_failures");
      throw new RemotingException("raftwire cannot encode " + type + ": " + e.getMessage(), e);
    }
    SendResult result = send(envelope, heartbeat);
    if (!result.isAccepted()) {
      calls.cancel(call);
      DropReason reason = result.reason().orElseThrow();
      count("requests.refused." + reason);
      throw new RemotingException("raftwire refused " + type + " to " + destination + ": " + reason);
    }
  }

  /**
   * Sends {@code envelope}; with {@code coalesce}, as a coalesced heartbeat record if the transport
   * offers them and it fits one. A full heartbeat budget sends the envelope instead, which waits
   * in the CONTROL lane's budget; any other refusal of the record is the result.
   */
  private SendResult send(RaftEnvelope envelope, boolean coalesce) {
    if (coalesce && heartbeats != null) {
      Optional<Heartbeat> record = JraftCodec.asHeartbeat(envelope);
      if (record.isPresent()) {
        SendResult result = heartbeats.send(record.get());
        if (result.isAccepted()) {
          count("heartbeats.sent");
          return result;
        }
        if (result.reason().orElseThrow() != DropReason.LANE_BUDGET) {
          return result;
        }
        count("heartbeats.fallbacks");
      }
    }
    return transport.send(envelope);
  }

  /**
   * Runs a jraft callback of a call to {@code peer} on its executor (or the dispatch pool); it never
   * throws into raftwire.
   */
  void runCallback(InvokeCallback callback, StoreId peer, Object result, Throwable error) {
    Runnable run = () -> {
      try {
        callback.complete(result, error);
      } catch (Throwable t) {
        problem(peer, "callback_failures", "a jraft callback threw on "
            + (error != null ? error.getClass().getSimpleName() : result == null ? "null" : result.getClass().getSimpleName()), t);
      }
    };
    Executor executor = callback.executor();
    if (executor == null) {
      execute(run);
      return;
    }
    try {
      executor.execute(run);
    } catch (RejectedExecutionException e) {
      count("callbacks.inline");
      run.run();
    }
  }

  private void expireCalls() {
    try {
      calls.expire(options.nanoClock().getAsLong());
    } catch (RuntimeException e) {
      problem(store, "expire_failures", "expiring calls failed", e);
    }
  }

  /** Serves {@code group} on {@code range} (until a scan finds no node of it here). */
  void host(RangeId range, String group) {
    Hosted existing = hosted.get(range);
    if (existing != null) {
      if (!existing.group.equals(group) && existing.collisionLogged.compareAndSet(false, true)) {
        count("group_collisions");
        log.error("{}: groups {} and {} map to the same {}; they share its queues and credits", store, existing.group,
            group, range);
      }
      return;
    }
    try {
      Registration registration = transport.register(range, this::deliver);
      hosted.put(range, new Hosted(group, registration));
    } catch (IllegalStateException e) {
      // Tried again by every node scan: reported, not logged each time.
      problem(store, "register_failures", "cannot serve group " + group + " on " + range, e);
    }
  }

  private void deliver(RangeId range, List<RaftEnvelope> batch) {
    deliver(batch);
  }

  private void deliver(List<RaftEnvelope> batch) {
    for (RaftEnvelope envelope : batch) {
      JraftFrame frame;
      try {
        frame = codec.decode(envelope);
        check.check(envelope, frame);
      } catch (MalformedFrameException e) {
        malformed(envelope, e);
        continue;
      }
      switch (frame.kind()) {
        case REQUEST:
          if (envelope.trafficClass() == TrafficClass.APPEND) {
            try {
              options.onAppendReceived().accept(envelope);
            } catch (RuntimeException e) {
              problem(envelope.from().store(), "append_observer_failures", "the append observer threw", e);
            }
          }
          onRequest(envelope, frame);
          break;
        case RESPONSE:
          calls.complete(frame.callId(), frame.message().orElseThrow());
          break;
        case FAILURE:
          count("failures_received." + frame.failure().orElseThrow());
          calls.fail(frame.callId(), new RemotingException(
              "raftwire: " + envelope.from().store() + " could not process the call: " + frame.failure().orElseThrow() + ", "
                  + frame.failureDetail()));
          break;
        default:
          throw new IllegalStateException("decode returned kind " + frame.kind());
      }
    }
  }

  private void malformed(RaftEnvelope envelope, MalformedFrameException e) {
    String name = "malformed." + e.problem();
    count(name);
    problems.report(envelope.from().store(), name, "at " + store + " on " + envelope.range() + ": " + e.getMessage());
    if (!envelope.to().store().equals(store)) {
      return; // not ours to answer: the answer would claim another store as its sender
    }
    try {
      Frame header = JraftCodec.header(envelope);
      if (header.getKind() == Kind.REQUEST && header.getReplyRange() >= 1) {
        answer(codec.failure(envelope, header.getCallId(), RangeId.of(header.getReplyRange()), failureCodeOf(e.problem()),
            e.getMessage(), incarnation));
      }
    } catch (MalformedFrameException | RuntimeException headerToo) {
      // Not even the header is readable: nobody to answer.
    }
  }

  /** What the caller of a refused request is told: a claim its envelope does not back, or bad input. */
  private static FailureCode failureCodeOf(MalformedFrameException.Problem problem) {
    switch (problem) {
      case WRONG_SENDER:
      case WRONG_DESTINATION:
      case WRONG_RANGE:
      case WRONG_RESPONDER:
        return FailureCode.IDENTITY_MISMATCH;
      default:
        return FailureCode.MALFORMED_REQUEST;
    }
  }

  private void onRequest(RaftEnvelope envelope, JraftFrame frame) {
    Message request = frame.message().orElseThrow();
    RangeId replyRange = frame.replyRange().orElseThrow();
    StoreRpcServer s = server;
    if (s == null || !s.isStarted()) {
      count("no_server");
      answer(codec.failure(envelope, frame.callId(), replyRange, FailureCode.NO_SERVER, "no jraft RpcServer runs on " + store,
          incarnation));
      return;
    }
    String className = request.getClass().getName();
    RpcProcessor<Object> processor = s.processor(className);
    if (processor == null) {
      count("no_processor");
      answer(codec.failure(envelope, frame.callId(), replyRange, FailureCode.NO_PROCESSOR,
          "no processor for " + className + " on " + store, incarnation));
      return;
    }
    PeerConnection connection = connectionOf(envelope.from().store(), frame.incarnation());
    Context context = new Context(envelope, frame.callId(), replyRange, connection, JraftCodec.isHeartbeat(request));
    Executor executor = executorFor(processor, request, className);
    try {
      executor.execute(() -> {
        try {
          processor.handleRequest(context, request);
        } catch (Throwable t) {
          problem(envelope.from().store(), "processor_failures",
              "jraft's " + processor.getClass().getSimpleName() + " threw on " + request.getClass().getSimpleName(), t);
        }
      });
    } catch (RejectedExecutionException e) {
      count("busy");
      answer(codec.failure(envelope, frame.callId(), replyRange, FailureCode.BUSY,
          className + " refused by a full executor on " + store, incarnation));
    }
  }

  private Executor executorFor(RpcProcessor<Object> processor, Message request, String className) {
    Executor own = processor.executor();
    if (JraftCodec.isHeartbeat(request)) {
      return own != null ? own : dispatch;
    }
    RpcProcessor.ExecutorSelector selector = processor.executorSelector();
    if (selector != null) {
      Object header = null;
      if (request instanceof AppendEntriesRequest) {
        AppendEntriesRequest append = (AppendEntriesRequest) request;
        header = AppendEntriesRequestHeader.newBuilder().setGroupId(append.getGroupId())
            .setServerId(append.getServerId()).setPeerId(append.getPeerId()).build();
      }
      Executor selected = selector.select(className, header);
      if (selected != null) {
        return selected;
      }
    }
    return own != null ? own : dispatch;
  }

  private PeerConnection connectionOf(StoreId remote, long remoteIncarnation) {
    PeerConnection c = connections.get(remote);
    if (c != null && c.incarnation == remoteIncarnation && !c.isClosed()) {
      return c;
    }
    PeerConnection stale = null;
    PeerConnection fresh;
    synchronized (connections) {
      c = connections.get(remote);
      if (c != null && c.incarnation == remoteIncarnation && !c.isClosed()) {
        return c;
      }
      if (c != null && !c.isClosed()) {
        stale = c; // the caller restarted: jraft forgets what it knew of the old one
      }
      String address = directory.endpointOf(remote).map(Endpoint::toString).orElse(remote.toString());
      fresh = new PeerConnection(remote, remoteIncarnation, address, this::connectionClosed);
      connections.put(remote, fresh);
    }
    if (stale != null) {
      count("connections.replaced");
      stale.close();
    }
    return fresh;
  }

  private void connectionClosed(PeerConnection c) {
    connections.remove(c.remote, c);
    StoreRpcServer s = server;
    if (s == null) {
      return;
    }
    List<ConnectionClosedEventListener> listeners = s.closedListeners();
    execute(() -> {
      for (ConnectionClosedEventListener l : listeners) {
        try {
          l.onClosed(c.remoteAddress, c);
        } catch (RuntimeException e) {
          problem(c.remote, "connection_listener_failures", "a jraft connection listener threw", e);
        }
      }
    });
  }

  private void answer(RaftEnvelope answer) {
    answer(answer, false);
  }

  /** Sends {@code answer}; with {@code coalesce} (it answers a heartbeat), as a heartbeat record if it can. */
  private void answer(RaftEnvelope answer, boolean coalesce) {
    SendResult result = send(answer, coalesce);
    if (!result.isAccepted()) {
      DropReason reason = result.reason().orElseThrow();
      count("answers.refused." + reason);
      if (reason == DropReason.UNREACHABLE) {
        peerUnreachable(answer.to().store());
      }
    }
  }

  /** The caller's store cannot be reached: its emulated connection closes, as Bolt's would. */
  private void peerUnreachable(StoreId peer) {
    PeerConnection c = connections.get(peer);
    if (c != null) {
      c.close();
    }
  }

  private void onDropped(DroppedMessage dropped) {
    if (!dropped.acceptedBySend()) {
      return; // send refused it and the caller was told at once; the report may come before or after
    }
    if (dropped.envelope().isEmpty()) {
      // The transport's notice budget was full: the call id is unknown here, so the call ends by
      // its own timeout (jraft retries then, as it would after Bolt lost a request).
      count("drops.summary_only." + dropped.reason());
      return;
    }
    dropped(dropped.envelope().get(), dropped.reason());
  }

  /** Ends the call of a request this store sent that will not be delivered, or counts a lost answer. */
  private void dropped(RaftEnvelope envelope, DropReason reason) {
    Frame header;
    try {
      header = JraftCodec.header(envelope);
    } catch (MalformedFrameException e) {
      return; // not one of this adapter's envelopes
    }
    if (header.getKind() == Kind.REQUEST) {
      if (calls.fail(header.getCallId(), new RemotingException(
          "raftwire dropped the request to " + envelope.to().store() + ": " + reason))) {
        count("requests.dropped." + reason);
      }
    } else {
      count("answers.dropped." + reason);
      if (reason == DropReason.UNREACHABLE) {
        peerUnreachable(envelope.to().store());
      }
    }
  }

  private void count(String name) {
    count(name, 1);
  }

  private void count(String name, long n) {
    counters.computeIfAbsent(name, c -> metrics.counter(MetricRegistry.name(prefix, c))).inc(n);
  }

  /**
   * Counts {@code name} and reports it through the problem log as caused by {@code source} (a peer
   * store, or this one); the stack trace of {@code failure}, if any, goes to DEBUG.
   */
  private void problem(StoreId source, String name, String detail, Throwable failure) {
    count(name);
    String text = failure == null ? detail : detail + ": " + failure;
    problems.report(source, name, "at " + store + ": " + text);
    if (failure != null && log.isDebugEnabled()) {
      log.debug("{}: {}", store, text, failure);
    }
  }

  @Override
  public String toString() {
    return "JraftStore{" + store + " at " + endpoint + "}";
  }

  /**
   * The store's heartbeat handler: each record is the envelope it stands for ({@link
   * JraftCodec#envelopeOf}) and goes the envelopes' way (decoding, {@link InboundCheck}, the
   * processor's executor or the call table), on the transport's heartbeat thread. A request for a
   * range that serves no group here is answered {@code UNKNOWN_GROUP} at once (as a record, so it
   * reaches the caller whichever range it asked the answer on), as an envelope would have been
   * refused. An answer is routed whatever its range: it ends its call by id, and the check
   * compares responder and range with the call's. Records of this store that were not delivered end their calls as dropped
   * envelopes do.
   */
  private final class HeartbeatRoute implements HeartbeatHandler {
    @Override
    public void deliver(StoreId from, List<Heartbeat> records) {
      List<RaftEnvelope> routed = new ArrayList<>(records.size());
      for (Heartbeat record : records) {
        RaftEnvelope envelope = JraftCodec.envelopeOf(record);
        if (hosted.containsKey(envelope.range()) || !unhostedRequest(envelope)) {
          routed.add(envelope);
        }
      }
      count("heartbeats.received", records.size());
      JraftStore.this.deliver(routed);
    }

    @Override
    public void undelivered(StoreId to, List<Heartbeat> records, DropReason reason) {
      count("heartbeats.undelivered", records.size());
      for (Heartbeat record : records) {
        dropped(JraftCodec.envelopeOf(record), reason);
      }
    }

    /** Answers a request record for a range with no group here; false if it is not a request. */
    private boolean unhostedRequest(RaftEnvelope envelope) {
      Frame header;
      try {
        header = JraftCodec.header(envelope);
      } catch (MalformedFrameException e) {
        return false; // decoding reports it
      }
      if (header.getKind() != Kind.REQUEST) {
        return false; // an answer ends its call whatever range it names: the check looks at that
      }
      count("heartbeats.unrouted");
      if (envelope.to().store().equals(store) && header.getReplyRange() >= 1) {
        answer(codec.failure(envelope, header.getCallId(), RangeId.of(header.getReplyRange()), FailureCode.UNKNOWN_GROUP,
            "no group is served on " + envelope.range() + " at " + store, incarnation), true);
      }
      return true;
    }
  }

  private static final class Hosted {
    final String group;
    final Registration registration;
    final AtomicBoolean collisionLogged = new AtomicBoolean();

    Hosted(String group, Registration registration) {
      this.group = group;
      this.registration = registration;
    }
  }

  /** jraft's view of one request being processed: answering it sends the response. */
  private final class Context implements RpcContext {
    private final RaftEnvelope request;
    private final long callId;
    private final RangeId replyRange;
    private final PeerConnection connection;
    private final boolean heartbeat;
    private final AtomicBoolean answered = new AtomicBoolean();

    Context(RaftEnvelope request, long callId, RangeId replyRange, PeerConnection connection, boolean heartbeat) {
      this.request = request;
      this.callId = callId;
      this.replyRange = replyRange;
      this.connection = connection;
      this.heartbeat = heartbeat;
    }

    @Override
    public void sendResponse(Object response) {
      if (!(response instanceof Message)) {
        problem(request.from().store(), "answers.not_protobuf", "jraft answered with a "
            + (response == null ? "null" : response.getClass().getName()) + ", not a protobuf message; dropped", null);
        return;
      }
      if (!answered.compareAndSet(false, true)) {
        count("answers.duplicate");
        return;
      }
      try {
        answer(codec.response(request, callId, replyRange, (Message) response, incarnation), heartbeat);
      } catch (RuntimeException e) {
        problem(request.from().store(), "encode_failures", "cannot encode the answer " + response.getClass().getSimpleName(), e);
      }
    }

    @Override
    public com.alipay.sofa.jraft.rpc.Connection getConnection() {
      return connection;
    }

    @Override
    public String getRemoteAddress() {
      return connection.remoteAddress;
    }
  }
}
