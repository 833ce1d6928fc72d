package io.raftwire.example.kv;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.raftwire.example.kv.proto.DeleteRequest;
import io.raftwire.example.kv.proto.GetRequest;
import io.raftwire.example.kv.proto.GetResponse;
import io.raftwire.example.kv.proto.KvGrpc;
import io.raftwire.example.kv.proto.Priority;
import io.raftwire.example.kv.proto.PutRequest;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A client of the KV cluster: routes each key to its range's leader (learned from the stores'
 * answers), and retries on leader changes and unavailability for up to {@link #RETRY_NANOS}; after
 * an {@code UNAVAILABLE} (a store down or shutting down) the next try goes to another store, or to
 * the leader the answer named. Reads are retried on any error but a bad request. A write is retried
 * only when nothing can have been applied: the store refused it before it entered the Raft log
 * (its answer carries the {@code raftwire-not-applied} trailer), or the connection to the store
 * could not be made. Any other error of a write (the outcome is unknown: {@code UNKNOWN} after a
 * leader change, {@code DEADLINE_EXCEEDED}, a connection lost mid-call) is thrown at once: the
 * write may or may not have been applied, and a retry could apply it twice, after writes that came
 * between. Thread-safe; blocking calls.
 */
public final class KvClient implements AutoCloseable {
  /** How long a call keeps retrying before it fails. */
  public static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(20);

  private final Map<StoreId, ManagedChannel> channels = new TreeMap<>();
  private final List<StoreId> stores;
  private final Ranges ranges;
  private final Map<RangeId, StoreId> leaders = new ConcurrentHashMap<>();

  /** A client of the stores at {@code clientAddresses}, which split keys into {@code rangeCount} ranges. */
  public KvClient(Map<StoreId, InetSocketAddress> clientAddresses, int rangeCount) {
    for (Map.Entry<StoreId, InetSocketAddress> e : clientAddresses.entrySet()) {
      channels.put(e.getKey(), NettyChannelBuilder.forAddress(e.getValue()).usePlaintext().build());
    }
    this.stores = new ArrayList<>(channels.keySet());
    this.ranges = new Ranges(rangeCount, stores, 3);
  }

  /** The range {@code key} belongs to (how the stores split keys). */
  public RangeId rangeOf(byte[] key) {
    return ranges.rangeOf(key.length == 0 ? ByteString.copyFromUtf8("-") : ByteString.copyFrom(key));
  }

  /** Writes {@code value} under {@code key}; returns the commit index. */
  public long put(byte[] key, byte[] value, io.raftwire.message.Priority priority) {
    ByteString k = ByteString.copyFrom(key);
    PutRequest request = PutRequest.newBuilder().setKey(k).setValue(ByteString.copyFrom(value))
        .setPriority(priority == io.raftwire.message.Priority.ELASTIC ? Priority.ELASTIC : Priority.REGULAR).build();
    return call(k, true, stub -> stub.put(request).getCommitIndex());
  }

  /** Deletes {@code key}; returns the commit index. */
  public long delete(byte[] key) {
    ByteString k = ByteString.copyFrom(key);
    return call(k, true, stub -> stub.delete(DeleteRequest.newBuilder().setKey(k).build()).getCommitIndex());
  }

  /** The value of {@code key}, read linearizably. */
  public Optional<byte[]> get(byte[] key) {
    ByteString k = ByteString.copyFrom(key);
    GetResponse response = call(k, false, stub -> stub.get(GetRequest.newBuilder().setKey(k).build()));
    return response.getFound() ? Optional.of(response.getValue().toByteArray()) : Optional.empty();
  }

  private <T> T call(ByteString key, boolean write, Function<KvGrpc.KvBlockingStub, T> rpc) {
    RangeId range = ranges.rangeOf(key.isEmpty() ? ByteString.copyFromUtf8("-") : key);
    long deadline = System.nanoTime() + RETRY_NANOS;
    int attempt = 0;
    StoreId unavailable = null; // the store that last answered UNAVAILABLE (e.g. it is shutting down)
    while (true) {
      StoreId target = leaders.get(range);
      if (target == null) {
        target = stores.get(attempt % stores.size());
        if (target.equals(unavailable) && stores.size() > 1) {
          target = stores.get((attempt + 1) % stores.size());
        }
      }
      try {
        return rpc.apply(KvGrpc.newBlockingStub(channels.get(target)).withDeadlineAfter(10, TimeUnit.SECONDS));
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.NOT_FOUND || System.nanoTime() > deadline
            || (write && !nothingApplied(e))) {
          throw e;
        }
        unavailable = code == Status.Code.UNAVAILABLE ? target : null;
        // A store that does not lead the range, or is shutting down, names the leader it follows.
        Metadata trailers = e.getTrailers();
        String hint = trailers == null ? null : trailers.get(KvService.LEADER);
        StoreId leader = hint == null ? null : StoreId.of(Long.parseLong(hint));
        if ((code == Status.Code.FAILED_PRECONDITION || code == Status.Code.UNAVAILABLE)
            && leader != null && !leader.equals(target) && channels.containsKey(leader)) {
          leaders.put(range, leader);
        } else {
          leaders.remove(range);
          backoff(attempt);
        }
        attempt++;
      }
    }
  }

  /** True if the call failed before its operation could enter a Raft log: it is safe to retry. */
  static boolean nothingApplied(StatusRuntimeException e) {
    Metadata trailers = e.getTrailers();
    if (trailers != null && trailers.get(KvService.NOT_APPLIED) != null) {
      return true;
    }
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof java.net.ConnectException) {
        return true; // the request never reached the store
      }
    }
    return false;
  }

  private static void backoff(int attempt) {
    try {
      Thread.sleep(Math.min(500, 20L << Math.min(attempt, 5)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    }
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
