package io.raftwire.adapter.ratis;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.adapter.ratis.codec.FailureCode;
import io.raftwire.adapter.ratis.codec.MalformedFrameException;
import io.raftwire.adapter.ratis.codec.MessageType;
import io.raftwire.adapter.ratis.codec.RatisCodec;
import io.raftwire.adapter.ratis.codec.RatisFrame;
import io.raftwire.diagnostics.ProblemLog;
import io.raftwire.flow.DurableEntries;
import io.raftwire.flow.ReceivedAppends;
import io.raftwire.flow.FlowControl;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.Registration;
import io.raftwire.transport.SendResult;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexReplyProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.RaftServerRpc;
import org.apache.ratis.server.protocol.RaftServerAsynchronousProtocol;
import org.apache.ratis.thirdparty.com.google.protobuf.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Ratis server's RPC over raftwire: Ratis calls it for every server-to-server request, and it
 * hands Ratis the requests that arrive. Clients and admin requests go to the wrapped Ratis gRPC
 * services ({@code clientServices}), whose server-protocol methods are refused (see {@link
 * RaftwireRatisFactory}).
 *
 * <p><b>Outbound.</b> A request becomes an envelope on its group's range ({@link
 * RatisGroupRanges}), addressed to the store {@link RatisStores} gives the request's target, and a
 * call in {@link Calls}. The synchronous methods Ratis's log appender, elections and leadership
 * transfer use wait on Ratis's own threads. A call ends with the reply, with {@link
 * RaftwireCallException} (refused, dropped or failed), or with Ratis's {@code TimeoutIOException}
 * after {@code raft.server.rpc.request.timeout} (ten times that for a snapshot chunk).
 *
 * <p><b>Inbound.</b> Every group the server hosts is registered with the transport; the list is
 * read every {@link RatisOptions#groupScanNanos()}, and a group is also registered when the server
 * first sends for it (its answers come back on its range). Appends and read indexes are handed to
 * Ratis's asynchronous protocol on the transport's worker, which delivers a range in order, so a
 * group's appends reach Ratis in the order they were sent; the handlers that block (votes,
 * elections, snapshot chunks) run on a bounded pool, and a request that finds it full is answered
 * {@code BUSY}. Bad input is counted under {@code raftwire.<store>.ratis.malformed.<problem>},
 * reported through a rate-limited {@link ProblemLog}, and answered with a failure when it was a
 * request to this store whose header could be read; Ratis never sees it.
 *
 * <p>Thread-safe.
 */
final class RatisServerRpc implements RaftServerRpc, RaftServerAsynchronousProtocol {
  private static final Logger log = LoggerFactory.getLogger(RatisServerRpc.class);
  private static final SecureRandom random = new SecureRandom();
  /** Most received-but-not-yet-durable appends remembered per group, for durability reports. */
  static final int MAX_PENDING_APPENDS = 100_000;
  /** A snapshot chunk's timeout, in request timeouts: it carries up to the chunk size of data. */
  static final int SNAPSHOT_TIMEOUT_FACTOR = 10;

  private final RaftServer server;
  private final RaftTransport transport;
  private final RatisStores stores;
  private final RatisOptions options;
  private final RaftServerRpc clientServices;
  private final StoreId store;
  private final long incarnation;
  private final RatisCodec codec;
  private final MetricRegistry metrics;
  private final String prefix;
  private final Calls calls;
  private final long requestTimeoutNanos;
  private final ThreadPoolExecutor dispatch;
  private final ScheduledExecutorService timer;
  private final ProblemLog problems;
  private final FlowControl flow; // null: the transport has no flow control
  private final Map<RangeId, Hosted> hosted = new ConcurrentHashMap<>(); // bounded by the groups hosted
  private final ReceivedAppends received = new ReceivedAppends(MAX_PENDING_APPENDS);
  private final Map<String, Counter> counters = new ConcurrentHashMap<>(); // bounded: fixed and enum-named counters
  private final Map<MessageType, Counter> receivedByType = new EnumMap<>(MessageType.class); // read-only after construction
  private final Registration dropRegistration;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  RatisServerRpc(RaftServer server, Binding binding, RaftServerRpc clientServices) {
    this.server = server;
    this.transport = binding.transport;
    this.stores = binding.stores;
    this.options = binding.options;
    this.clientServices = clientServices;
    this.store = transport.localStore();
    long inc;
    do {
      inc = random.nextLong();
    } while (inc == 0);
    this.incarnation = inc;
    this.codec = new RatisCodec(options.entryPriority());
    this.metrics = options.metricRegistry();
    this.prefix = prefixOf(store);
    this.calls = new Calls(options.maxPendingCalls(), options.nanoClock(), metrics, prefix);
    this.requestTimeoutNanos = RaftServerConfigKeys.Rpc.requestTimeout(server.getProperties()).toLong(TimeUnit.NANOSECONDS);
    AtomicInteger threads = new AtomicInteger();
    this.dispatch = new ThreadPoolExecutor(options.dispatchThreads(), options.dispatchThreads(), 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(options.dispatchQueueTasks()), r -> {
          Thread t = new Thread(r, "raftwire-ratis-" + store + "-dispatch-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "raftwire-ratis-" + store + "-timer");
      t.setDaemon(true);
      return t;
    });
    this.problems = ProblemLog.create(options.nanoClock(), ProblemLog.DEFAULT_INTERVAL_NANOS, ProblemLog.DEFAULT_MAX_KEYS,
        ProblemLog.DEFAULT_MAX_LINES_PER_INTERVAL, log::warn);
    this.flow = transport.flowControl().orElse(null);
    metrics.gauge(MetricRegistry.name(prefix, "dispatch", "queued"), () -> () -> dispatch.getQueue().size());
    metrics.gauge(MetricRegistry.name(prefix, "groups"), () -> hosted::size);
    for (MessageType type : MessageType.values()) {
      if (type.isRequest()) {
        receivedByType.put(type, counter("requests.received." + type));
      }
    }
    this.dropRegistration = transport.addDropListener(this::onDropped);
  }

  static String prefixOf(StoreId store) {
    return MetricRegistry.name("raftwire", store.toString(), "ratis");
  }

  // ---- RaftServerRpc ----

  @Override
  public void start() throws IOException {
    Optional<StoreId> mine = stores.storeOf(server.getId());
    if (mine.isEmpty() || !mine.get().equals(store)) {
      throw new IOException("raftwire: Ratis server " + server.getId() + " runs on transport " + store
          + " but the store directory gives it " + mine.map(Object::toString).orElse("no store"));
    }
    if (closed.get() || !started.compareAndSet(false, true)) {
      throw new IOException("raftwire: the RPC of Ratis server " + server.getId() + " was started already");
    }
    clientServices.start();
    var unusedExpiry = timer.scheduleWithFixedDelay(this::expireCalls, options.timeoutTickNanos(), options.timeoutTickNanos(),
        TimeUnit.NANOSECONDS);
    var unusedScan = timer.scheduleWithFixedDelay(this::scanGroups, 0, options.groupScanNanos(), TimeUnit.NANOSECONDS);
    var unusedFlush = timer.scheduleWithFixedDelay(this::flushProblems, ProblemLog.DEFAULT_INTERVAL_NANOS,
        ProblemLog.DEFAULT_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
    log.info("{}: Ratis server {} serves its peers over raftwire; clients and admin at {}", store, server.getId(),
        clientServices.getClientServerAddress());
  }

  @Override
  public RpcType getRpcType() {
    return RaftwireRpcType.INSTANCE;
  }

  @Override
  public InetSocketAddress getInetSocketAddress() {
    return clientServices.getInetSocketAddress();
  }

  @Override
  public InetSocketAddress getClientServerAddress() {
    return clientServices.getClientServerAddress();
  }

  @Override
  public InetSocketAddress getAdminServerAddress() {
    return clientServices.getAdminServerAddress();
  }

  @Override
  public void addRaftPeers(Collection<RaftPeer> peers) {
    for (RaftPeer peer : peers) {
      if (stores.storeOf(peer.getId()).isEmpty()) {
        problem(store, "unknown_peers", "Ratis server " + peer.getId() + " has no raftwire store in the directory; calls to it fail", null);
      }
    }
  }

  @Override
  public void handleException(RaftPeerId serverId, Exception e, boolean reconnect) {
    // raftwire reconnects by itself; Ratis tells of failed calls, which are counted where they end.
    count("peer_exceptions");
  }

  @Override
  public void notifyNotLeader(RaftGroupId groupId) {
    if (flow != null) {
      flow.leadershipLost(options.groupRanges().rangeOf(groupId));
    }
  }

  @Override
  public RaftServerAsynchronousProtocol async() {
    return this;
  }

  @Override
  public RequestVoteReplyProto requestVote(RequestVoteRequestProto request) throws IOException {
    return await(call(request), RequestVoteReplyProto.class);
  }

  @Override
  public AppendEntriesReplyProto appendEntries(AppendEntriesRequestProto request) throws IOException {
    return await(call(request), AppendEntriesReplyProto.class);
  }

  @Override
  public InstallSnapshotReplyProto installSnapshot(InstallSnapshotRequestProto request) throws IOException {
    return await(call(request), InstallSnapshotReplyProto.class);
  }

  @Override
  public StartLeaderElectionReplyProto startLeaderElection(StartLeaderElectionRequestProto request) throws IOException {
    return await(call(request), StartLeaderElectionReplyProto.class);
  }

  @Override
  public CompletableFuture<AppendEntriesReplyProto> appendEntriesAsync(AppendEntriesRequestProto request) {
    return call(request).thenApply(AppendEntriesReplyProto.class::cast);
  }

  /** A snapshot chunk or notification, answered asynchronously: for {@link RaftwireLogAppender}. */
  CompletableFuture<InstallSnapshotReplyProto> installSnapshotAsync(InstallSnapshotRequestProto request) {
    return call(request).thenApply(InstallSnapshotReplyProto.class::cast);
  }

  @Override
  public CompletableFuture<ReadIndexReplyProto> readIndexAsync(ReadIndexRequestProto request) {
    return call(request).thenApply(ReadIndexReplyProto.class::cast);
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    timer.shutdownNow();
    dropRegistration.close();
    for (Hosted h : hosted.values()) {
      h.registration.close();
    }
    hosted.clear();
    calls.failAll(c -> true, () -> RaftwireCallException.local("raftwire: Ratis server " + server.getId() + " was closed"));
    dispatch.shutdown();
    for (String name : List.of("dispatch.queued", "groups", "calls.pending")) {
      metrics.remove(MetricRegistry.name(prefix, name));
    }
    clientServices.close();
  }

  // ---- outbound ----

  private CompletableFuture<Message> call(Message request) {
    MessageType type = MessageType.of(request);
    RaftRpcRequestProto header = type.requestHeader(request);
    RaftPeerId target = RaftPeerId.valueOf(header.getReplyId());
    if (closed.get()) {
      return CompletableFuture.failedFuture(RaftwireCallException.local("raftwire: Ratis server " + server.getId() + " is closed"));
    }
    Optional<StoreId> destination = stores.storeOf(target);
    if (destination.isEmpty()) {
      count("calls.unknown_peer");
      return CompletableFuture.failedFuture(RaftwireCallException.local(
          "raftwire: Ratis server " + target + " has no store in the directory"));
    }
    RaftGroupId group = RaftGroupId.valueOf(header.getRaftGroupId().getId());
    RangeId range = options.groupRanges().rangeOf(group);
    host(range, group); // the answer comes back on the group's range
    long timeout = type == MessageType.INSTALL_SNAPSHOT ? requestTimeoutNanos * SNAPSHOT_TIMEOUT_FACTOR : requestTimeoutNanos;
    Calls.Call call;
    try {
      call = calls.open(destination.get(), range, type, Math.max(1, timeout));
    } catch (RaftwireCallException e) {
      return CompletableFuture.failedFuture(e);
    }
    RaftEnvelope envelope;
    try {
      envelope = codec.request(request, call.id, range, ReplicaAddress.of(store, 1), ReplicaAddress.of(destination.get(), 1),
          incarnation);
    } catch (RuntimeException e) {
      calls.cancel(call);
      count("encode_failures");
      return CompletableFuture.failedFuture(RaftwireCallException.local("raftwire cannot encode " + type + ": " + e.getMessage()));
    }
    SendResult result = transport.send(envelope);
    if (!result.isAccepted()) {
      calls.cancel(call);
      DropReason reason = result.reason().orElseThrow();
      count("requests.refused." + reason);
      return CompletableFuture.failedFuture(RaftwireCallException.dropped(
          "raftwire refused " + type + " to " + destination.get() + ": " + reason, reason));
    }
    return call.future;
  }

  private static <T extends Message> T await(CompletableFuture<Message> future, Class<T> type) throws IOException {
    try {
      return type.cast(future.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException ie = new InterruptedIOException("raftwire: interrupted while waiting for " + type.getSimpleName());
      ie.initCause(e);
      throw ie;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException) {
        throw (IOException) cause;
      }
      throw new IOException("raftwire: " + type.getSimpleName() + " failed", cause);
    }
  }

  private void onDropped(DroppedMessage dropped) {
    if (!dropped.acceptedBySend()) {
      return; // send refused it and the caller was told at once
    }
    Optional<RaftEnvelope> envelope = dropped.envelope();
    if (envelope.isEmpty()) {
      // The transport's notice budget was full: the call id is unknown here; the call times out.
      count("drops.summary_only." + dropped.reason());
      return;
    }
    RatisFrame header;
    try {
      header = RatisCodec.header(envelope.get());
    } catch (MalformedFrameException e) {
      return; // not one of this adapter's envelopes
    }
    if (header.kind() == RatisFrame.Kind.REQUEST) {
      if (calls.fail(header.callId(), RaftwireCallException.dropped(
          "raftwire dropped " + header.type() + " to " + envelope.get().to().store() + ": " + dropped.reason(), dropped.reason()))) {
        count("requests.dropped." + dropped.reason());
      }
    } else {
      count("answers.dropped." + dropped.reason());
    }
  }

  private void expireCalls() {
    try {
      calls.expire(options.nanoClock().getAsLong());
    } catch (RuntimeException e) {
      problem(store, "expire_failures", "expiring calls failed", e);
    }
  }

  private void flushProblems() {
    try {
      problems.flush();
    } catch (RuntimeException e) {
      log.warn("{}: flushing the problem log failed", store, e);
    }
  }

  // ---- hosted groups ----

  /** Registers the ranges of the groups the server hosts now and unregisters those of removed groups. */
  void scanGroups() {
    if (closed.get()) {
      return;
    }
    try {
      Map<RangeId, Set<RaftGroupId>> seen = new HashMap<>();
      for (RaftGroupId group : server.getGroupIds()) {
        RangeId range = options.groupRanges().rangeOf(group);
        seen.computeIfAbsent(range, r -> new HashSet<>()).add(group);
        host(range, group);
      }
      for (Map.Entry<RangeId, Hosted> entry : Map.copyOf(hosted).entrySet()) {
        RangeId range = entry.getKey();
        Hosted h = entry.getValue();
        Set<RaftGroupId> still = seen.getOrDefault(range, Set.of());
        for (RaftGroupId group : Set.copyOf(h.groups)) {
          if (!still.contains(group)) {
            unhost(range, h, group);
          }
        }
      }
    } catch (RuntimeException e) {
      problem(store, "scan_failures", "looking at the server's groups failed", e);
    }
  }

  /** Stops serving {@code group}; the range's registration, and its calls, end with its last group. */
  private void unhost(RangeId range, Hosted h, RaftGroupId group) {
    boolean last;
    synchronized (hosted) {
      h.groups.remove(group);
      last = h.groups.isEmpty() && hosted.remove(range, h);
      if (last) {
        h.registration.close();
        received.forget(range);
      }
    }
    int failed = !last ? 0 : calls.failAll(c -> c.range.equals(range),
        () -> RaftwireCallException.local("raftwire: group " + group + " was removed from " + server.getId()));
    log.info("{}: group {} is no longer hosted here; {} calls of it ended", store, group, failed);
  }

  private void host(RangeId range, RaftGroupId group) {
    Hosted existing = hosted.get(range);
    if (existing != null && existing.groups.contains(group)) {
      return;
    }
    synchronized (hosted) {
      if (closed.get()) {
        return;
      }
      existing = hosted.get(range);
      if (existing != null) {
        if (existing.groups.add(group)) {
          count("group_collisions");
          log.warn("{}: groups {} map to the same {}; they share its queues, fairness turn and credits "
              + "(RatisOptions.groupRanges can give them ranges of their own)", store, existing.groups, range);
        }
        return;
      }
      try {
        Registration registration = transport.register(range, this::deliver);
        hosted.put(range, new Hosted(group, registration));
      } catch (IllegalStateException e) {
        problem(store, "register_failures", "cannot serve group " + group + " on " + range, e);
      }
    }
  }

  // ---- inbound ----

  private void deliver(RangeId range, List<RaftEnvelope> batch) {
    for (RaftEnvelope envelope : batch) {
      try {
        deliver(envelope);
      } catch (RuntimeException e) {
        problem(envelope.from().store(), "handler_failures", "handling a message on " + range + " failed", e);
      }
    }
  }

  private void deliver(RaftEnvelope envelope) {
    RatisFrame frame;
    try {
      frame = codec.decode(envelope);
    } catch (MalformedFrameException e) {
      malformed(envelope, e);
      return;
    }
    switch (frame.kind()) {
      case REQUEST:
        onRequest(envelope, frame);
        break;
      case RESPONSE:
      case FAILURE:
        onAnswer(envelope, frame);
        break;
      default:
        throw new IllegalStateException("decode returned kind " + frame.kind());
    }
  }

  private void onRequest(RaftEnvelope envelope, RatisFrame frame) {
    Message request = frame.message().orElseThrow();
    MessageType type = frame.type();
    RaftRpcRequestProto header = type.requestHeader(request);
    try {
      checkRoute(envelope, header);
    } catch (MalformedFrameException e) {
      malformed(envelope, e);
      return;
    }
    RaftGroupId group = RaftGroupId.valueOf(header.getRaftGroupId().getId());
    Hosted h = hosted.get(envelope.range());
    if (h == null || !h.groups.contains(group)) {
      count("requests.unknown_group");
      fail(envelope, frame, FailureCode.UNKNOWN_GROUP, "Ratis server " + server.getId() + " hosts no division of " + group);
      return;
    }
    receivedByType.get(type).inc();
    switch (type) {
      case APPEND_ENTRIES:
        onAppend(envelope, frame, (AppendEntriesRequestProto) request);
        break;
      case READ_INDEX:
        answer(envelope, frame, () -> server.readIndexAsync((ReadIndexRequestProto) request));
        break;
      case REQUEST_VOTE:
        dispatch(envelope, frame, () -> server.requestVote((RequestVoteRequestProto) request));
        break;
      case START_LEADER_ELECTION:
        dispatch(envelope, frame, () -> server.startLeaderElection((StartLeaderElectionRequestProto) request));
        break;
      case INSTALL_SNAPSHOT:
        dispatch(envelope, frame, () -> server.installSnapshot((InstallSnapshotRequestProto) request));
        break;
      default:
        throw new IllegalStateException(type + " is not a request type");
    }
  }

  private void onAppend(RaftEnvelope envelope, RatisFrame frame, AppendEntriesRequestProto request) {
    long startNanos = options.nanoClock().getAsLong();
    if (options.reportDurability() && flow != null && !envelope.entries().isEmpty()) {
      if (received.received(envelope)) {
        count("durability.forgotten");
      }
    }
    answer(envelope, frame, () -> server.appendEntriesAsync(request).thenApply(reply -> {
      if (options.reportDurability() && flow != null && reply.getResult() == AppendEntriesReplyProto.AppendResult.SUCCESS) {
        durable(envelope.range(), reply.getMatchIndex(), envelope.entries().isEmpty() ? 0 : envelope.sizeBytes(),
            options.nanoClock().getAsLong() - startNanos);
      }
      return reply;
    }));
  }

  /** Something Ratis answers later, through a future. */
  @FunctionalInterface
  private interface AsyncHandler {
    CompletableFuture<? extends Message> run() throws IOException;
  }

  /** Something Ratis answers on the calling thread, possibly blocking it. */
  @FunctionalInterface
  private interface BlockingHandler {
    Message run() throws IOException;
  }

  private void answer(RaftEnvelope envelope, RatisFrame frame, AsyncHandler handler) {
    CompletableFuture<? extends Message> reply;
    try {
      reply = handler.run();
    } catch (IOException | RuntimeException e) {
      remoteError(envelope, frame, e);
      return;
    }
    var unused = reply.whenComplete((r, error) -> {
      if (error != null) {
        remoteError(envelope, frame, error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
      } else {
        respond(envelope, frame, r);
      }
    });
  }

  private void dispatch(RaftEnvelope envelope, RatisFrame frame, BlockingHandler handler) {
    try {
      dispatch.execute(() -> {
        Message reply;
        try {
          reply = handler.run();
        } catch (IOException | RuntimeException e) {
          remoteError(envelope, frame, e);
          return;
        }
        respond(envelope, frame, reply);
      });
    } catch (RejectedExecutionException e) {
      count("dispatch.busy");
      fail(envelope, frame, FailureCode.BUSY, "the dispatch queue of " + store + " is full");
    }
  }

  private void respond(RaftEnvelope request, RatisFrame frame, Message reply) {
    SendResult result;
    try {
      result = transport.send(codec.response(request, frame.callId(), reply, incarnation));
    } catch (RuntimeException e) {
      problem(store, "encode_failures", "cannot encode the reply to " + frame.type(), e);
      return;
    }
    if (!result.isAccepted()) {
      count("answers.refused." + result.reason().orElseThrow());
    }
  }

  private void remoteError(RaftEnvelope envelope, RatisFrame frame, Throwable error) {
    count("requests.ratis_errors");
    log.debug("{}: Ratis failed {} from {}", store, frame.type(), envelope.from().store(), error);
    fail(envelope, frame, closed.get() ? FailureCode.CLOSED : FailureCode.REMOTE_ERROR,
        error.getClass().getName() + ": " + error.getMessage());
  }

  private void fail(RaftEnvelope envelope, RatisFrame frame, FailureCode code, String detail) {
    SendResult result = transport.send(codec.failure(envelope, frame.callId(), frame.type(), code, detail, incarnation));
    if (!result.isAccepted()) {
      count("answers.refused." + result.reason().orElseThrow());
    }
  }

  private void onAnswer(RaftEnvelope envelope, RatisFrame frame) {
    Optional<Calls.Call> found = calls.find(frame.callId());
    if (found.isEmpty()) {
      calls.lateAnswer();
      return;
    }
    Calls.Call call = found.get();
    if (!call.peer.equals(envelope.from().store()) || !call.range.equals(envelope.range())) {
      malformed(envelope, new MalformedFrameException("forged_answer", "an answer to " + call + " from "
          + envelope.from().store() + " on " + envelope.range()));
      return;
    }
    if (call.type.replyType() != frame.type()) {
      malformed(envelope, new MalformedFrameException("wrong_reply_type", "a " + frame.type() + " answering " + call));
      return;
    }
    if (frame.kind() == RatisFrame.Kind.RESPONSE) {
      calls.complete(call.id, frame.message().orElseThrow());
    } else {
      FailureCode code = frame.failure().orElseThrow();
      count("failures_received." + code);
      calls.fail(call.id, RaftwireCallException.failed(
          "raftwire: " + envelope.from().store() + " failed " + call.type + ": " + code + ", " + frame.detail(), code));
    }
  }

  /** The identities a request claims must be those of its envelope: its sender's store, this server, its range. */
  private void checkRoute(RaftEnvelope envelope, RaftRpcRequestProto header) throws MalformedFrameException {
    RaftPeerId sender = RaftPeerId.valueOf(header.getRequestorId());
    Optional<StoreId> senderStore = stores.storeOf(sender);
    if (senderStore.isEmpty() || !senderStore.get().equals(envelope.from().store())) {
      throw new MalformedFrameException("wrong_sender", "a request from Ratis server " + sender + " ("
          + senderStore.map(Object::toString).orElse("no store") + ") arrived from " + envelope.from().store());
    }
    RaftPeerId target = RaftPeerId.valueOf(header.getReplyId());
    if (!target.equals(server.getId())) {
      throw new MalformedFrameException("wrong_target", "a request for Ratis server " + target + " reached " + server.getId());
    }
    RangeId claimed = options.groupRanges().rangeOf(RaftGroupId.valueOf(header.getRaftGroupId().getId()));
    if (!claimed.equals(envelope.range())) {
      throw new MalformedFrameException("wrong_range", "a request of the group of " + claimed + " on " + envelope.range());
    }
  }

  private void malformed(RaftEnvelope envelope, MalformedFrameException e) {
    String name = "malformed." + e.problem();
    count(name);
    problems.report(envelope.from().store(), name, "at " + store + " on " + envelope.range() + ": " + e.getMessage());
    if (!envelope.to().store().equals(store)) {
      return; // not ours to answer
    }
    RatisFrame header;
    try {
      header = RatisCodec.header(envelope);
    } catch (MalformedFrameException unreadable) {
      return; // no call id to answer
    }
    if (header.kind() != RatisFrame.Kind.REQUEST) {
      return;
    }
    boolean identity = e.problem().startsWith("wrong_");
    fail(envelope, header, identity ? FailureCode.IDENTITY_MISMATCH : FailureCode.MALFORMED_REQUEST, e.getMessage());
  }

  // ---- durability (follower side of logical admission) ----

  private void durable(RangeId range, long matchIndex, long writtenBytes, long nanos) {
    for (DurableEntries done : received.durableThrough(range, RatisCodec.toRaftwireIndex(matchIndex))) {
      flow.entriesDurable(done);
    }
    if (writtenBytes > 0) {
      flow.recordDiskWrite(writtenBytes, nanos);
    }
  }

  // ---- reports ----

  private void problem(Object source, String name, String detail, Throwable failure) {
    count(name);
    problems.report(source, name, detail + (failure != null ? ": " + failure : ""));
    if (failure != null) {
      log.debug("{}: {}", store, detail, failure);
    }
  }

  private void count(String name) {
    counter(name).inc();
  }

  /** {@return the adapter's counter {@code raftwire.<store>.ratis.<name>}} */
  Counter counter(String name) {
    return counters.computeIfAbsent(name, c -> metrics.counter(MetricRegistry.name(prefix, c)));
  }

  /** {@return this server's adapter options} */
  RatisOptions options() {
    return options;
  }

  /** {@return the ranges served now} For tests. */
  Set<RangeId> hostedRanges() {
    return Set.copyOf(hosted.keySet());
  }

  /** A range served here: its registration and the groups on it (more than one only on a collision). */
  private static final class Hosted {
    final Set<RaftGroupId> groups = ConcurrentHashMap.newKeySet(); // added and removed under the hosted lock
    final Registration registration;

    Hosted(RaftGroupId group, Registration registration) {
      this.groups.add(group);
      this.registration = registration;
    }
  }
}
