package io.raftwire.example.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.raftwire.example.kv.proto.GetRequest;
import io.raftwire.example.kv.proto.GetResponse;
import io.raftwire.example.kv.proto.KvGrpc;
import io.raftwire.example.kv.proto.PutRequest;
import io.raftwire.example.kv.proto.WriteResponse;
import io.raftwire.message.Priority;
import io.raftwire.topology.StoreId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A write is retried only when nothing can have been applied. The fault suite found why: a leader
 * whose inbound links were cut kept appending writes it could not commit, then stepped down and
 * failed them as of unknown outcome; the next leader committed them, and the client's retries
 * applied them a second time, after newer acknowledged writes, so reads went back to old values.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WriteRetryTest {
  private final AtomicInteger puts = new AtomicInteger();
  private final AtomicInteger gets = new AtomicInteger();
  private final Deque<Status> failures = new ArrayDeque<>(); // guarded by itself
  private volatile boolean markNotApplied;
  private Server server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Test
  void aWriteOfUnknownOutcomeIsNotRetried() throws Exception {
    try (KvClient client = clientOf(start())) {
      fail(Status.UNKNOWN.withDescription("the outcome is unknown (leader changed)"));
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> client.put(bytes("k"), bytes("v"), Priority.REGULAR));
      assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode());
      assertEquals(1, puts.get(), "one attempt: a second could apply the write twice");

      fail(Status.UNAVAILABLE.withDescription("connection lost mid-call"));
      assertThrows(StatusRuntimeException.class, () -> client.put(bytes("k"), bytes("v"), Priority.REGULAR));
      assertEquals(2, puts.get(), "an UNAVAILABLE without the not-applied trailer is of unknown outcome too");
    }
  }

  @Test
  void aRefusalBeforeTheLogIsRetriedAndSoIsARead() throws Exception {
    try (KvClient client = clientOf(start())) {
      markNotApplied = true;
      fail(Status.UNAVAILABLE.withDescription("r1 has no leader now"));
      client.put(bytes("k"), bytes("v"), Priority.REGULAR);
      assertEquals(2, puts.get(), "refused before the log, then retried and written");

      markNotApplied = false;
      fail(Status.UNAVAILABLE.withDescription("anything"));
      client.get(bytes("k"));
      assertEquals(2, gets.get(), "a read changes nothing: retried on any error");
    }
  }

  @Test
  void aStoreThatCannotBeReachedIsSkippedForAWrite() throws Exception {
    InetSocketAddress up = start();
    InetSocketAddress down;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      down = new InetSocketAddress(InetAddress.getLoopbackAddress(), closed.getLocalPort());
    }
    Map<StoreId, InetSocketAddress> stores = new TreeMap<>();
    stores.put(StoreId.of(1), down); // tried first: its connection is refused
    stores.put(StoreId.of(2), up);
    try (KvClient client = new KvClient(stores, 1)) {
      client.put(bytes("k"), bytes("v"), Priority.REGULAR);
      assertEquals(1, puts.get(), "the refused connection reached nobody, so the write went on to the next store");
    }
  }

  private void fail(Status status) {
    synchronized (failures) {
      failures.add(status);
    }
  }

  private Status nextFailure() {
    synchronized (failures) {
      return failures.poll();
    }
  }

  private InetSocketAddress start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(new KvGrpc.KvImplBase() {
          @Override
          public void put(PutRequest request, StreamObserver<WriteResponse> responses) {
            puts.incrementAndGet();
            Status failure = nextFailure();
            if (failure != null) {
              Metadata trailers = new Metadata();
              if (markNotApplied) {
                trailers.put(KvService.NOT_APPLIED, "true");
              }
              responses.onError(failure.asRuntimeException(trailers));
              return;
            }
            responses.onNext(WriteResponse.newBuilder().setCommitIndex(1).build());
            responses.onCompleted();
          }

          @Override
          public void get(GetRequest request, StreamObserver<GetResponse> responses) {
            gets.incrementAndGet();
            Status failure = nextFailure();
            if (failure != null) {
              responses.onError(failure.asRuntimeException());
              return;
            }
            responses.onNext(GetResponse.getDefaultInstance());
            responses.onCompleted();
          }
        })
        .build().start();
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  private static KvClient clientOf(InetSocketAddress address) {
    return new KvClient(Map.of(StoreId.of(1), address), 1);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
