package io.raftwire.example.faults;

import io.grpc.StatusRuntimeException;
import io.raftwire.example.kv.KvClient;
import io.raftwire.message.Priority;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A register workload: workers, each with its own {@link KvClient}, pick random keys and write a
 * value never written before or read, until stopped; every operation is recorded with its times
 * and outcome. A write that throws is recorded as {@link Outcome#UNKNOWN}: the client retries
 * internally, so whatever status it ends with, an earlier attempt may have been applied. A read
 * that throws is {@link Outcome#FAIL} (it changed nothing). Thread-safe.
 */
final class Workload implements AutoCloseable {
  /** How an operation ended. */
  enum Outcome { OK, FAIL, UNKNOWN }

  /** One operation; {@code response} is when the call returned, whatever its outcome. */
  record Op(String key, boolean write, String value, long invoke, long response, Outcome outcome) {}

  final List<String> keys;
  final ConcurrentLinkedQueue<Op> history = new ConcurrentLinkedQueue<>();
  private final AtomicInteger unique = new AtomicInteger();
  private final ExecutorService workers;
  private final List<CompletableFuture<Void>> running = new ArrayList<>();
  private volatile boolean stopped;

  Workload(List<String> keys, int workers) {
    this.keys = List.copyOf(keys);
    this.workers = Executors.newFixedThreadPool(workers);
  }

  /** Starts {@code count} workers, each with a client from {@code clients}. */
  void start(Supplier<KvClient> clients, int count) {
    for (int w = 0; w < count; w++) {
      running.add(CompletableFuture.runAsync(() -> {
        try (KvClient client = clients.get()) {
          while (!stopped) {
            String key = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
            if (ThreadLocalRandom.current().nextBoolean()) {
              write(client, key, "v" + unique.incrementAndGet());
            } else {
              read(client, key);
            }
          }
        }
      }, workers));
    }
  }

  /** Stops the workers and waits (at most 60 s: a call gives up after its retries) for them. */
  void stop() throws Exception {
    stopped = true;
    CompletableFuture.allOf(running.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
  }

  void write(KvClient client, String key, String value) {
    long invoke = System.nanoTime();
    try {
      client.put(bytes(key), bytes(value), Priority.REGULAR);
      history.add(new Op(key, true, value, invoke, System.nanoTime(), Outcome.OK));
    } catch (StatusRuntimeException e) {
      history.add(new Op(key, true, value, invoke, System.nanoTime(), Outcome.UNKNOWN));
    }
  }

  /** Reads {@code key}, recorded; empty if the read failed. */
  Optional<Optional<String>> read(KvClient client, String key) {
    long invoke = System.nanoTime();
    try {
      String value = client.get(bytes(key)).map(b -> new String(b, StandardCharsets.UTF_8)).orElse(null);
      history.add(new Op(key, false, value, invoke, System.nanoTime(), Outcome.OK));
      return Optional.of(Optional.ofNullable(value));
    } catch (StatusRuntimeException e) {
      history.add(new Op(key, false, null, invoke, System.nanoTime(), Outcome.FAIL));
      return Optional.empty();
    }
  }

  long count(Outcome outcome) {
    return history.stream().filter(r -> r.outcome() == outcome).count();
  }

  @Override
  public void close() {
    stopped = true;
    workers.shutdownNow();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
