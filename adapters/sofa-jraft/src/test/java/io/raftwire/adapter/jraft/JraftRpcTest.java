package io.raftwire.adapter.jraft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.rpc.InvokeCallback;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.PingRequest;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.testkit.time.FakeTimebase;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * jraft calls between two stores over real gRPC on 127.0.0.1, with processors of the test's own:
 * every call ends exactly once (answer, timeout, raftwire drop, unreachable peer), the appends of a
 * group arrive in the order they were sent, and garbage is counted, not thrown.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JraftRpcTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final StoreDirectory directory = new StoreDirectory();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private GrpcTransport t1;
  private GrpcTransport t2;
  private JraftStore s1;
  private JraftStore s2;
  private RpcServer server2;
  private final StoreRpcClient client = new StoreRpcClient();
  private final Endpoint e1 = new Endpoint("127.0.0.1", 17101);
  private final Endpoint e2 = new Endpoint("127.0.0.1", 17102);
  private final Endpoint e3 = new Endpoint("127.0.0.1", 17103);
  /** Store 2's problem log: its clock moves only when a test says so, its lines are kept here. */
  private final FakeTimebase problemTime = new FakeTimebase();
  private final List<String> problemLines = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    directory.put(StoreId.of(1), e1, io.raftwire.topology.Locality.UNKNOWN);
    directory.put(StoreId.of(2), e2, io.raftwire.topology.Locality.UNKNOWN);
    t1 = transport(1);
    t2 = transport(2);
    s1 = RaftwireJraft.install(t1, directory, JraftOptions.builder().metricRegistry(t1.metrics())
        .nodeScanNanos(TimeUnit.HOURS.toNanos(1)).build());
    s2 = RaftwireJraft.install(t2, directory, JraftOptions.builder().metricRegistry(t2.metrics())
        .nodeScanNanos(TimeUnit.HOURS.toNanos(1)).problemTimebase(problemTime).problemLines(problemLines::add).build());
    closing.add(s1);
    closing.add(s2);
    server2 = new RaftwireRpcFactory().createRpcServer(e2);
    client.init(null);
  }

  private GrpcTransport transport(long id) {
    GrpcTransport t = GrpcTransport.start(GrpcTransportConfig.builder(StoreId.of(id), StoreResolver.of(addresses)).security(PeerSecurity.insecure()).build());
    addresses.put(StoreId.of(id), t.listenAddress());
    closing.add(t);
    return t;
  }

  @AfterEach
  void stop() throws Exception {
    client.shutdown();
    server2.shutdown();
    Collections.reverse(closing);
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  /** Records every end of a call; a second end would show up as a second entry. */
  private static final class Ends implements InvokeCallback {
    final List<Object> ends = new CopyOnWriteArrayList<>();

    @Override
    public void complete(Object result, Throwable err) {
      ends.add(err != null ? err : result);
    }
  }

  private static PingRequest ping() {
    return PingRequest.newBuilder().setSendTimestamp(1).build();
  }

  private void awaitEndedOnce(Ends ends) {
    await().atMost(WAIT).until(() -> !ends.ends.isEmpty() && s1.pendingCalls() == 0);
    assertEquals(1, ends.ends.size(), "ended exactly once: " + ends.ends);
  }

  @Test
  void aCallEndsWithItsAnswer() throws Exception {
    server2.registerProcessor(processor(PingRequest.class.getName(), null,
        (ctx, req) -> ctx.sendResponse(RpcRequests.ErrorResponse.newBuilder().setErrorCode(0).build())));
    server2.init(null);
    s2.scanNodes();
    Ends ends = new Ends();
    client.invokeAsync(e2, ping(), null, ends, 5_000);
    awaitEndedOnce(ends);
    assertInstanceOf(RpcRequests.ErrorResponse.class, ends.ends.get(0));
    assertEquals(0, ((RpcRequests.ErrorResponse) client.invokeSync(e2, ping(), 5_000)).getErrorCode());
  }

  @Test
  void aCallNobodyAnswersEndsWithJraftsTimeout() throws Exception {
    server2.registerProcessor(processor(PingRequest.class.getName(), null, (ctx, req) -> { }));
    server2.init(null);
    Ends ends = new Ends();
    client.invokeAsync(e2, ping(), null, ends, 200);
    awaitEndedOnce(ends);
    assertInstanceOf(InvokeTimeoutException.class, ends.ends.get(0));
    assertEquals(1, t1.metrics().counter("raftwire.s1.jraft.calls.timed_out").getCount());
  }

  @Test
  void aRequestRaftwireDropsFailsTheCallThroughTheDropListener() throws Exception {
    server2.init(null);
    // Group "nowhere" is hosted by no node on store 2: its range is unknown there. A probe (no
    // entries, empty data) travels as an envelope.
    AppendEntriesRequest probe = AppendEntriesRequest.newBuilder().setGroupId("nowhere")
        .setServerId(e1 + ":0").setPeerId(e2 + ":0").setTerm(1).setPrevLogIndex(0).setPrevLogTerm(0).setCommittedIndex(0)
        .setData(com.google.protobuf.ByteString.EMPTY).build();
    Ends ends = new Ends();
    client.invokeAsync(e2, probe, null, ends, 10_000);
    awaitEndedOnce(ends);
    assertInstanceOf(RemotingException.class, ends.ends.get(0));
    assertTrue(((Throwable) ends.ends.get(0)).getMessage().contains("UNKNOWN_RANGE"), ends.ends.toString());
    assertEquals(1, t1.metrics().counter("raftwire.s1.jraft.requests.dropped.UNKNOWN_RANGE").getCount());
  }

  private AppendEntriesRequest heartbeat(String group) {
    return AppendEntriesRequest.newBuilder().setGroupId(group).setServerId(e1 + ":0").setPeerId(e2 + ":0").setTerm(1)
        .setPrevLogIndex(0).setPrevLogTerm(0).setCommittedIndex(0).build();
  }

  @Test
  void heartbeatsAndTheirAnswersTravelAsCoalescedRecordsAndEachCallEndsOnce() throws Exception {
    AtomicInteger handled = new AtomicInteger();
    server2.registerProcessor(processor(AppendEntriesRequest.class.getName(), null, (ctx, req) -> {
      handled.incrementAndGet();
      ctx.sendResponse(RpcRequests.AppendEntriesResponse.newBuilder().setTerm(1).setSuccess(true).setLastLogIndex(0).build());
    }));
    server2.init(null);
    List<Ends> calls = new ArrayList<>();
    for (int g = 0; g < 20; g++) {
      String group = "g" + g;
      s2.host(GroupRanges.hashed().rangeOf(group), group);
      s1.host(GroupRanges.hashed().rangeOf(group), group); // the leader's node: answers travel on its range
      Ends ends = new Ends();
      calls.add(ends);
      client.invokeAsync(e2, heartbeat(group).toBuilder().setServerId(e1 + ":" + g).build(), null, ends, 30_000);
    }
    await().atMost(WAIT).until(() -> calls.stream().allMatch(c -> !c.ends.isEmpty()) && s1.pendingCalls() == 0);
    for (Ends ends : calls) {
      assertEquals(1, ends.ends.size(), "ended exactly once");
      assertInstanceOf(RpcRequests.AppendEntriesResponse.class, ends.ends.get(0));
    }
    assertEquals(20, handled.get());
    assertEquals(20, t1.metrics().counter("raftwire.s1.jraft.heartbeats.sent").getCount(), "requests as records");
    assertEquals(20, t2.metrics().counter("raftwire.s2.jraft.heartbeats.sent").getCount(), "answers as records");
    assertEquals(20, t2.metrics().counter("raftwire.s2.jraft.heartbeats.received").getCount());
    assertEquals(0, t1.metrics().counter("raftwire.s1.jraft.heartbeats.fallbacks").getCount());
  }

  @Test
  void aHeartbeatForAGroupNotServedThereFailsAtOnceAndOneToAnUnreachableStoreFailsToo() throws Exception {
    server2.init(null);
    Ends ends = new Ends();
    client.invokeAsync(e2, heartbeat("nowhere"), null, ends, 30_000);
    awaitEndedOnce(ends);
    assertInstanceOf(RemotingException.class, ends.ends.get(0));
    assertTrue(((Throwable) ends.ends.get(0)).getMessage().contains("UNKNOWN_GROUP"), ends.ends.toString());
    assertEquals(1, t2.metrics().counter("raftwire.s2.jraft.heartbeats.unrouted").getCount());

    // A record lost with its connection ends its call as a dropped envelope would.
    s2.host(GroupRanges.hashed().rangeOf("g"), "g");
    t2.close();
    Ends lost = new Ends();
    try {
      client.invokeAsync(e2, heartbeat("g"), null, lost, 30_000);
      awaitEndedOnce(lost);
      assertInstanceOf(RemotingException.class, lost.ends.get(0));
    } catch (RemotingException refusedAtOnce) {
      assertTrue(refusedAtOnce.getMessage().contains("UNREACHABLE"), refusedAtOnce.getMessage());
    }
    assertEquals(0, s1.pendingCalls());
  }

  @Test
  void aRequestWithoutAProcessorFailsAtOnce() throws Exception {
    server2.init(null);
    Ends ends = new Ends();
    client.invokeAsync(e2, RpcRequests.ReadIndexRequest.newBuilder().setGroupId("g").setServerId(e1 + ":0").build(), null,
        ends, 10_000);
    // No node of "g" on store 2: the range is unknown there, so the drop ends the call.
    awaitEndedOnce(ends);
    Ends noProcessor = new Ends();
    client.invokeAsync(e2, ping(), null, noProcessor, 10_000);
    awaitEndedOnce(noProcessor);
    assertTrue(((Throwable) noProcessor.ends.get(0)).getMessage().contains("NO_PROCESSOR"), noProcessor.ends.toString());
  }

  @Test
  void anUnreachablePeerIsAFailedRpcAsWithBolt() throws Exception {
    t2.close();
    s2.close();
    Ends first = new Ends();
    try {
      client.invokeAsync(e2, ping(), null, first, 10_000);
      awaitEndedOnce(first); // accepted, then reported unreachable
      assertInstanceOf(RemotingException.class, first.ends.get(0));
    } catch (RemotingException refusedAtOnce) {
      assertTrue(refusedAtOnce.getMessage().contains("UNREACHABLE"), refusedAtOnce.getMessage());
    }
    await().atMost(WAIT).until(() -> !client.checkConnection(e2, true));
    Ends later = new Ends();
    RemotingException e = assertThrows(RemotingException.class, () -> client.invokeAsync(e2, ping(), null, later, 10_000));
    assertTrue(e.getMessage().contains("UNREACHABLE"), e.getMessage());
    assertTrue(later.ends.isEmpty(), "a call refused at once is not also called back");
    assertEquals(0, s1.pendingCalls());
  }

  @Test
  void appendsOfAGroupArriveInTheOrderTheyWereSentWhileHeartbeatsMayOvertake() throws Exception {
    List<Long> appends = new CopyOnWriteArrayList<>();
    AtomicInteger heartbeats = new AtomicInteger();
    ExecutorService serial = Executors.newSingleThreadExecutor();
    server2.registerProcessor(processor(AppendEntriesRequest.class.getName(), serial, (ctx, req) -> {
      AppendEntriesRequest r = (AppendEntriesRequest) req;
      if (r.getEntriesCount() == 0 && !r.hasData()) {
        heartbeats.incrementAndGet();
      } else {
        appends.add(r.getPrevLogIndex());
      }
      ctx.sendResponse(RpcRequests.AppendEntriesResponse.newBuilder().setTerm(1).setSuccess(true).setLastLogIndex(0).build());
    }));
    server2.init(null);
    // Store 2 serves group "g" as it does when a jraft node of "g" runs there (no node scan runs
    // in this test, see start()).
    s2.host(GroupRanges.hashed().rangeOf("g"), "g");
    s1.host(GroupRanges.hashed().rangeOf("g"), "g"); // the leader's node: answers travel on its range
    try {
      Ends ends = new Ends();
      int n = 300;
      for (int i = 0; i < n; i++) {
        byte[] entry = ("entry-" + i).getBytes(StandardCharsets.UTF_8);
        AppendEntriesRequest append = JraftCodecTest.append(List.of(entry, new byte[i % 7 * 512])).toBuilder()
            .setGroupId("g").setServerId(e1 + ":0").setPeerId(e2 + ":0").setPrevLogIndex(i * 2L).build();
        client.invokeAsync(e2, append, null, ends, 30_000);
        if (i % 10 == 0) {
          client.invokeAsync(e2, append.toBuilder().clearEntries().clearData().build(), null, ends, 30_000);
        }
      }
      await().atMost(WAIT).until(() -> ends.ends.size() == n + n / 10);
      List<Long> expected = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        expected.add(i * 2L);
      }
      assertEquals(expected, appends, () -> "appends arrive in send order; calls ended with "
          + ends.ends.stream().filter(e -> !(e instanceof RpcRequests.AppendEntriesResponse)).limit(3).toList());
      assertEquals(n / 10, heartbeats.get());
      assertTrue(ends.ends.stream().allMatch(e -> e instanceof RpcRequests.AppendEntriesResponse), "every call answered");
    } finally {
      serial.shutdown();
    }
  }

  @Test
  void garbageIsCountedAndNeverReachesJraft() throws Exception {
    server2.init(null);
    RaftEnvelope garbage = RaftEnvelope.builder().range(GroupRanges.SERVICE_RANGE)
        .from(ReplicaAddress.of(StoreId.of(1), 1)).to(ReplicaAddress.of(StoreId.of(2), 1))
        .trafficClass(TrafficClass.CONTROL).payload(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}).build();
    assertTrue(t1.send(garbage).isAccepted());
    await().atMost(WAIT).until(() -> t2.metrics().counter("raftwire.s2.jraft.malformed.UNPARSEABLE_FRAME").getCount() == 1);
    // The store still serves calls.
    server2.registerProcessor(processor(PingRequest.class.getName(), null,
        (ctx, req) -> ctx.sendResponse(RpcRequests.ErrorResponse.newBuilder().setErrorCode(0).build())));
    assertEquals(0, ((RpcRequests.ErrorResponse) client.invokeSync(e2, ping(), 5_000)).getErrorCode());
  }

  @Test
  void aFloodOfGarbageIsOneLogLineAndCountedInFull() throws Exception {
    server2.init(null);
    int flood = 3000;
    for (int i = 0; i < flood; i++) {
      RaftEnvelope garbage = RaftEnvelope.builder().range(GroupRanges.SERVICE_RANGE)
          .from(ReplicaAddress.of(StoreId.of(1), 1)).to(ReplicaAddress.of(StoreId.of(2), 1))
          .trafficClass(TrafficClass.CONTROL).payload(new byte[] {(byte) 0xde, (byte) 0xad, (byte) i}).build();
      assertTrue(t1.send(garbage).isAccepted(), "sent " + i);
    }
    String counter = "raftwire.s2.jraft.malformed.UNPARSEABLE_FRAME";
    await().atMost(WAIT).until(() -> t2.metrics().counter(counter).getCount() == flood);
    assertEquals(1, problemLines.size(), problemLines.toString());
    assertTrue(problemLines.get(0).startsWith("s1: malformed.UNPARSEABLE_FRAME: at s2 on r1: "), problemLines.get(0));

    // At the end of the interval the store's flush writes what the log held back.
    problemTime.advance(Duration.ofNanos(io.raftwire.diagnostics.ProblemLog.DEFAULT_INTERVAL_NANOS));
    assertEquals(List.of("s1: malformed.UNPARSEABLE_FRAME: " + (flood - 1) + " more in the last 10 s"),
        problemLines.subList(1, problemLines.size()));
  }

  @Test
  void forgedSendersAndAnswersAreRefusedAndCountedAndNeverReachJraft() throws Exception {
    directory.put(StoreId.of(3), e3, io.raftwire.topology.Locality.UNKNOWN);
    GrpcTransport t3 = transport(3);
    JraftStore s3 = RaftwireJraft.install(t3, directory, JraftOptions.builder().metricRegistry(t3.metrics())
        .nodeScanNanos(TimeUnit.HOURS.toNanos(1)).build());
    closing.add(s3);
    List<AppendEntriesRequest> handled = new CopyOnWriteArrayList<>();
    List<RpcContext> pings = new CopyOnWriteArrayList<>();
    server2.registerProcessor(processor(AppendEntriesRequest.class.getName(), null, (ctx, req) -> {
      handled.add((AppendEntriesRequest) req);
      ctx.sendResponse(RpcRequests.AppendEntriesResponse.newBuilder().setTerm(1).setSuccess(true).setLastLogIndex(0).build());
    }));
    server2.registerProcessor(processor(PingRequest.class.getName(), null, (ctx, req) -> pings.add(ctx)));
    server2.init(null);
    io.raftwire.topology.RangeId g = GroupRanges.hashed().rangeOf("g");
    s2.host(g, "g");
    s1.host(g, "g");
    s3.host(g, "g");

    // Store 3 sends a heartbeat whose server_id says it comes from store 1's replica.
    AppendEntriesRequest heartbeat = AppendEntriesRequest.newBuilder().setGroupId("g")
        .setServerId(e1 + ":0").setPeerId(e2 + ":0").setTerm(7).setPrevLogIndex(0).setPrevLogTerm(0).setCommittedIndex(0)
        .build();
    io.raftwire.adapter.jraft.codec.JraftCodec codec = new io.raftwire.adapter.jraft.codec.JraftCodec();
    RaftEnvelope forged = codec.request(heartbeat, 1, g, g, ReplicaAddress.of(StoreId.of(3), 1),
        ReplicaAddress.of(StoreId.of(2), 1), 3);
    assertTrue(t3.send(forged).isAccepted());
    await().atMost(WAIT).until(() -> t2.metrics().counter("raftwire.s2.jraft.malformed.WRONG_SENDER").getCount() == 1);
    await().atMost(WAIT).until(() -> t3.metrics().counter("raftwire.s3.jraft.failures_received.IDENTITY_MISMATCH").getCount() == 1);

    // The same heartbeat from store 1 itself is handled.
    Ends honest = new Ends();
    client.invokeAsync(e2, heartbeat, null, honest, 10_000);
    awaitEndedOnce(honest);
    assertInstanceOf(RpcRequests.AppendEntriesResponse.class, honest.ends.get(0));
    assertEquals(List.of(heartbeat), handled, "jraft saw the honest heartbeat only");

    // A call from store 1 to store 2 is in flight; store 3 answers it (trying the first call ids).
    Ends ping = new Ends();
    client.invokeAsync(e2, ping(), null, ping, 30_000);
    await().atMost(WAIT).until(() -> pings.size() == 1);
    RaftEnvelope toS3 = codec.request(ping(), 1, GroupRanges.SERVICE_RANGE, GroupRanges.SERVICE_RANGE,
        ReplicaAddress.of(StoreId.of(1), 1), ReplicaAddress.of(StoreId.of(3), 1), 3);
    for (long id = 1; id <= 10; id++) {
      assertTrue(t3.send(codec.response(toS3, id, GroupRanges.SERVICE_RANGE,
          RpcRequests.ErrorResponse.newBuilder().setErrorCode(99).build(), 3)).isAccepted());
    }
    await().atMost(WAIT).until(() -> t1.metrics().counter("raftwire.s1.jraft.malformed.WRONG_RESPONDER").getCount() == 1);
    assertTrue(ping.ends.isEmpty(), "the forged answer ended nothing");
    assertEquals(1, s1.pendingCalls());
    pings.get(0).sendResponse(RpcRequests.ErrorResponse.newBuilder().setErrorCode(0).build());
    awaitEndedOnce(ping);
    assertEquals(0, ((RpcRequests.ErrorResponse) ping.ends.get(0)).getErrorCode(), "ended by store 2's answer");
  }

  private static RpcProcessor<Object> processor(String interest, Executor executor, java.util.function.BiConsumer<RpcContext, Object> body) {
    return new RpcProcessor<Object>() {
      @Override
      public void handleRequest(RpcContext rpcCtx, Object request) {
        body.accept(rpcCtx, request);
      }

      @Override
      public String interest() {
        return interest;
      }

      @Override
      public Executor executor() {
        return executor;
      }
    };
  }
}
