package io.raftwire.example.kv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.raftwire.message.Priority;
import io.raftwire.testkit.history.LinearizabilityChecker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Workers that alternate unique writes and reads of a few keys through their own clients, recording
 * a history for {@link LinearizabilityChecker}. A write that failed may or may not have happened:
 * it is recorded as never responding. Thread-safe.
 */
final class ConcurrentHistory {
  final ConcurrentLinkedQueue<LinearizabilityChecker.Op> ops = new ConcurrentLinkedQueue<>();
  /** With side writes: for every acknowledged write "wN", the key "side-wN" was written "wN" too. */
  final Map<String, String> acknowledgedSideWrites = new ConcurrentHashMap<>();
  private final List<String> keys;
  private final boolean sideWrites;
  private final AtomicInteger unique = new AtomicInteger();

  ConcurrentHistory(List<String> keys, boolean sideWrites) {
    this.keys = List.copyOf(keys);
    this.sideWrites = sideWrites;
  }

  /** Starts worker {@code worker}: {@code count} operations, even-numbered ones writes. */
  CompletableFuture<Void> start(Supplier<KvClient> clients, int worker, int count) {
    return CompletableFuture.runAsync(() -> {
      try (KvClient own = clients.get()) {
        for (int i = 0; i < count; i++) {
          String key = keys.get((worker + i) % keys.size());
          long invoke = System.nanoTime();
          if ((worker + i) % 2 == 0) {
            String value = "w" + unique.incrementAndGet();
            try {
              own.put(bytes(key), bytes(value), Priority.REGULAR);
              ops.add(LinearizabilityChecker.Op.write(key, value, invoke, System.nanoTime()));
              if (sideWrites) {
                own.put(bytes("side-" + value), bytes(value), Priority.REGULAR);
                acknowledgedSideWrites.put("side-" + value, value);
              }
            } catch (StatusRuntimeException e) {
              ops.add(LinearizabilityChecker.Op.write(key, value, invoke, Long.MAX_VALUE));
            }
          } else {
            try {
              String read = own.get(bytes(key)).map(b -> new String(b, StandardCharsets.UTF_8)).orElse(null);
              ops.add(LinearizabilityChecker.Op.read(key, read, invoke, System.nanoTime()));
            } catch (StatusRuntimeException e) {
              // a failed read tells nothing
            }
          }
        }
      }
    });
  }

  /** Asserts that every key's history, after an initial write of {@code initial} to the first key, is linearizable. */
  void assertLinearizable(String initial) {
    List<LinearizabilityChecker.Op> all = new ArrayList<>(ops);
    all.add(0, LinearizabilityChecker.Op.write(keys.get(0), initial, 0, 1));
    for (String key : keys) {
      assertTrue(LinearizabilityChecker.isLinearizable(all, key), "history of " + key + " is not linearizable: " + all);
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
