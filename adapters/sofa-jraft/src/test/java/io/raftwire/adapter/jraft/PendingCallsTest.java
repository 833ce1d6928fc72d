package io.raftwire.adapter.jraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RemotingException;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The correlation table, on an injected clock: every call ends exactly once. */
class PendingCallsTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final MetricRegistry metrics = new MetricRegistry();
  private final PendingCalls calls = new PendingCalls(4, now::get, metrics, "raftwire.s1.jraft");
  private final List<Object> ends = new ArrayList<>();

  private PendingCalls.Call open(long timeoutNanos) throws RemotingException {
    return calls.open(this, StoreId.of(2), GroupRanges.SERVICE_RANGE, "Test", timeoutNanos, (result, error) -> ends.add(error != null ? error : result));
  }

  @Test
  void aResponseEndsTheCallAndLaterEndsFindNothing() throws Exception {
    PendingCalls.Call call = open(100);
    assertTrue(calls.complete(call.id, "answer"));
    assertFalse(calls.fail(call.id, new RemotingException("late drop")));
    assertFalse(calls.complete(call.id, "again"));
    now.addAndGet(1_000);
    assertEquals(0, calls.expire(now.get()));
    assertEquals(List.of("answer"), ends);
    assertEquals(0, calls.size());
    assertEquals(1, metrics.counter("raftwire.s1.jraft.calls.late_answers").getCount());
  }

  @Test
  void theDeadlineEndsACallWithJraftsTimeoutExceptionOnce() throws Exception {
    PendingCalls.Call early = open(100);
    PendingCalls.Call late = open(500);
    now.addAndGet(99);
    assertEquals(0, calls.expire(now.get()));
    now.addAndGet(1);
    assertEquals(1, calls.expire(now.get()));
    assertInstanceOf(InvokeTimeoutException.class, ends.get(0));
    assertFalse(calls.complete(early.id, "too late"));
    assertTrue(calls.complete(late.id, "in time"));
    assertEquals(2, ends.size());
    assertEquals(1, metrics.counter("raftwire.s1.jraft.calls.timed_out").getCount());
  }

  @Test
  void aDropFailsTheCallAndTheResponseThatFollowsIsIgnored() throws Exception {
    PendingCalls.Call call = open(100);
    assertTrue(calls.fail(call.id, new RemotingException("dropped: UNREACHABLE")));
    assertFalse(calls.complete(call.id, "answer"));
    assertEquals(1, ends.size());
    assertInstanceOf(RemotingException.class, ends.get(0));
  }

  @Test
  void aCancelledCallRunsNoCompletionAndFreesItsPlace() throws Exception {
    for (int i = 0; i < 4; i++) {
      open(100);
    }
    assertThrows(RemotingException.class, () -> open(100), "the table is bounded");
    assertEquals(1, metrics.counter("raftwire.s1.jraft.calls.refused_full").getCount());
    assertEquals(4, calls.size());
    calls.failAll(c -> true, new RemotingException("closed"));
    assertEquals(0, calls.size());
    PendingCalls.Call cancelled = open(100);
    calls.cancel(cancelled);
    now.addAndGet(1_000);
    assertEquals(0, calls.expire(now.get()));
    assertEquals(4, ends.size(), "the four failed calls ended, the cancelled one ran nothing");
  }

  @Test
  void racingEndsEndEachCallExactlyOnce() throws Exception {
    PendingCalls table = new PendingCalls(100_000, now::get, metrics, "raftwire.s9.jraft");
    AtomicInteger completions = new AtomicInteger();
    int n = 20_000;
    List<PendingCalls.Call> open = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      open.add(table.open(this, StoreId.of(2), GroupRanges.SERVICE_RANGE, "Race", 10, (r, e) -> completions.incrementAndGet()));
    }
    now.addAndGet(10);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    CountDownLatch start = new CountDownLatch(1);
    pool.execute(() -> {
      await(start);
      open.forEach(c -> table.complete(c.id, "r"));
    });
    pool.execute(() -> {
      await(start);
      open.forEach(c -> table.fail(c.id, new RemotingException("d")));
    });
    pool.execute(() -> {
      await(start);
      table.expire(now.get());
    });
    start.countDown();
    pool.shutdown();
    assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    assertEquals(n, completions.get());
    assertEquals(0, table.size());
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
