package io.raftwire.adapter.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.raftwire.adapter.ratis.codec.MessageType;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.junit.jupiter.api.Test;

/** The call table on an injected clock: every call ends exactly once, by its first end. */
class CallsTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final MetricRegistry metrics = new MetricRegistry();
  private final Calls calls = new Calls(3, now::get, metrics, "t");
  private static final StoreId PEER = StoreId.of(2);
  private static final RangeId RANGE = RangeId.of(9);

  private long count(String name) {
    return metrics.counter("t.calls." + name).getCount();
  }

  @Test
  void aCallEndsByItsReplyAndALaterEndFindsNothing() throws Exception {
    Calls.Call call = calls.open(PEER, RANGE, MessageType.REQUEST_VOTE, 100);
    RequestVoteReplyProto reply = RequestVoteReplyProto.newBuilder().setTerm(3).build();
    assertTrue(calls.complete(call.id, reply));
    assertSame(reply, call.future.get());
    assertFalse(calls.complete(call.id, reply), "a second answer is late");
    assertFalse(calls.fail(call.id, RaftwireCallException.local("x")));
    assertEquals(0, calls.expire(Long.MAX_VALUE));
    assertEquals(1, count("completed"));
    assertEquals(1, count("late_answers"));
    assertEquals(0, calls.size());
  }

  @Test
  void aCallTimesOutOnlyOnceItsDeadlinePassesOnTheInjectedClock() throws Exception {
    Calls.Call early = calls.open(PEER, RANGE, MessageType.APPEND_ENTRIES, 100);
    now.addAndGet(50);
    Calls.Call late = calls.open(PEER, RANGE, MessageType.APPEND_ENTRIES, 100);
    assertEquals(0, calls.expire(now.get() + 49));
    assertEquals(1, calls.expire(now.get() + 50), "the first deadline, 100 after it opened");
    ExecutionException e = assertThrows(ExecutionException.class, early.future::get);
    assertInstanceOf(TimeoutIOException.class, e.getCause(), "Ratis's own timeout exception");
    assertFalse(late.future.isDone());
    assertEquals(1, calls.expire(now.get() + 100));
    assertTrue(late.future.isCompletedExceptionally());
    assertEquals(2, count("timed_out"));
    assertFalse(calls.complete(early.id, RequestVoteReplyProto.getDefaultInstance()), "an answer after the timeout is late");
  }

  @Test
  void theTableIsBoundedAndACancelledCallFreesItsPlace() throws Exception {
    Calls.Call a = calls.open(PEER, RANGE, MessageType.READ_INDEX, 100);
    calls.open(PEER, RANGE, MessageType.READ_INDEX, 100);
    calls.open(PEER, RANGE, MessageType.READ_INDEX, 100);
    RaftwireCallException full = assertThrows(RaftwireCallException.class,
        () -> calls.open(PEER, RANGE, MessageType.READ_INDEX, 100));
    assertTrue(full.dropReason().isEmpty() && full.failure().isEmpty(), "a local refusal: " + full);
    assertEquals(1, count("refused_full"));
    calls.cancel(a);
    assertEquals(2, calls.size());
    calls.open(PEER, RANGE, MessageType.READ_INDEX, 100);
    assertEquals(0, calls.expire(now.get() + 99), "a cancelled call never times out");
    assertFalse(a.future.isDone(), "a cancelled call's caller reports the failure itself");
  }

  @Test
  void failAllEndsExactlyTheMatchingCalls() throws Exception {
    Calls.Call mine = calls.open(PEER, RANGE, MessageType.INSTALL_SNAPSHOT, 100);
    Calls.Call other = calls.open(PEER, RangeId.of(10), MessageType.INSTALL_SNAPSHOT, 100);
    assertEquals(1, calls.failAll(c -> c.range.equals(RANGE), () -> RaftwireCallException.local("group removed")));
    assertTrue(mine.future.isCompletedExceptionally());
    assertFalse(other.future.isDone());
    assertEquals(1, count("failed"));
    assertThrows(IllegalArgumentException.class, () -> new Calls(0, now::get, new MetricRegistry(), "u"));
  }
}
