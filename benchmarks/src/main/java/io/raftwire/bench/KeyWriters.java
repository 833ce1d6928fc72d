package io.raftwire.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.raftwire.example.kv.proto.KvGrpc;
import io.raftwire.example.kv.proto.Priority;
import io.raftwire.example.kv.proto.PutRequest;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * One writer thread per key, each putting its key again and again (at most once per {@code
 * intervalNanos}) and logging every success ({@link Availability.Write}): S10's probes. A writer
 * never gives up: on any error it tries the leader the store named, or else the next store, at
 * once, pausing {@value #ROUND_PAUSE_MILLIS} ms only after every store failed; each attempt has a
 * deadline of {@value #ATTEMPT_DEADLINE_MILLIS} ms. The stores' client addresses are read anew at
 * every attempt, so a restarted store (on a new client port) is found again. Unlike {@code
 * KvClient}, no back-off grows: what a writer sees is when the cluster takes writes again, to
 * within a few milliseconds.
 */
final class KeyWriters implements AutoCloseable {
  private static final int ROUND_PAUSE_MILLIS = 5;
  private static final int ATTEMPT_DEADLINE_MILLIS = 2000;
  private static final Metadata.Key<String> LEADER = Metadata.Key.of("raftwire-leader", Metadata.ASCII_STRING_MARSHALLER);

  private final Supplier<Map<StoreId, InetSocketAddress>> clientAddresses;
  private final Map<InetSocketAddress, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final List<byte[]> keys;
  private final List<List<Availability.Write>> writes = new ArrayList<>(); // each list: @GuardedBy("itself")
  private final List<Thread> threads = new ArrayList<>();
  private final long intervalNanos;
  private final ByteString value = ByteString.copyFrom(new byte[64]);
  private volatile boolean closed;

  /**
   * Starts one writer per key.
   *
   * @param clientAddresses the running stores' client addresses, read at every attempt
   */
  KeyWriters(List<byte[]> keys, long intervalNanos, Supplier<Map<StoreId, InetSocketAddress>> clientAddresses) {
    this.keys = List.copyOf(keys);
    this.intervalNanos = intervalNanos;
    this.clientAddresses = clientAddresses;
    for (int k = 0; k < keys.size(); k++) {
      writes.add(new ArrayList<>());
      int key = k;
      Thread t = new Thread(() -> writeLoop(key), "s10-writer-" + k);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  /** The successful writes of key {@code k} (the index in the constructor's list) so far. */
  List<Availability.Write> writes(int k) {
    List<Availability.Write> log = writes.get(k);
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** The answers' instants of key {@code k}'s successful writes so far. */
  long[] ends(int k) {
    return writes(k).stream().mapToLong(Availability.Write::endNanos).toArray();
  }

  int keyCount() {
    return keys.size();
  }

  private void writeLoop(int k) {
    PutRequest request = PutRequest.newBuilder().setKey(ByteString.copyFrom(keys.get(k))).setValue(value)
        .setPriority(Priority.REGULAR).build();
    StoreId target = null;
    int failedInRound = 0;
    long next = System.nanoTime();
    while (!closed) {
      long now = System.nanoTime();
      if (now < next) {
        LockSupport.parkNanos(next - now);
        continue;
      }
      Map<StoreId, InetSocketAddress> stores = clientAddresses.get();
      if (stores.isEmpty()) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ROUND_PAUSE_MILLIS));
        continue;
      }
      List<StoreId> ids = new ArrayList<>(stores.keySet());
      if (target == null || !stores.containsKey(target)) {
        target = ids.get(Math.floorMod(k + failedInRound, ids.size()));
      }
      long start = System.nanoTime();
      try {
        KvGrpc.newBlockingStub(channel(stores.get(target)))
            .withDeadlineAfter(ATTEMPT_DEADLINE_MILLIS, TimeUnit.MILLISECONDS).put(request);
        long end = System.nanoTime();
        List<Availability.Write> log = writes.get(k);
        synchronized (log) {
          log.add(new Availability.Write(start, end));
        }
        failedInRound = 0;
        next = start + intervalNanos;
      } catch (StatusRuntimeException e) {
        String leader = e.getTrailers() == null ? null : e.getTrailers().get(LEADER);
        StoreId named = leader == null ? null : StoreId.of(Long.parseLong(leader));
        if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION && named != null && stores.containsKey(named)
            && !named.equals(target)) {
          target = named;
          continue;
        }
        failedInRound++;
        target = ids.get((ids.indexOf(target) + 1) % ids.size());
        if (failedInRound % ids.size() == 0) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ROUND_PAUSE_MILLIS));
        }
      }
    }
  }

  private ManagedChannel channel(InetSocketAddress address) {
    return channels.computeIfAbsent(address, a -> NettyChannelBuilder.forAddress(a).usePlaintext().build());
  }

  /** Stops the writers (each within its attempt's deadline) and their channels. */
  @Override
  public void close() {
    closed = true;
    boolean interrupted = false;
    for (Thread t : threads) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    channels.values().forEach(ManagedChannel::shutdownNow);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
