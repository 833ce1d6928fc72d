package io.raftwire.admission.queue;

import io.raftwire.admission.io.IoAdmissionController;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.ObjLongConsumer;

/**
 * Work waiting for IO tokens. {@link #submit} queues an item and returns a future; {@link #admit}
 * admits items in order while the controller grants tokens and completes their futures (outside
 * the queue's lock). Order: every regular item before any elastic one; within a priority, ranges
 * take turns; within a range, first come first served. Thread-safe.
 */
public final class WorkQueue {
  private final LongSupplier nanoClock;
  private final ObjLongConsumer<Priority> delayObserver;
  private final Map<Priority, Lane> lanes = new EnumMap<>(Priority.class); // @GuardedBy("this"), highest first
  private boolean closed; // @GuardedBy("this")

  /**
   * Creates an empty, open queue.
   *
   * @param nanoClock the time source for queueing delays, in nanoseconds (for example {@code
   *     timebase::nanoTime}); not null
   * @param delayObserver told each admitted item's wait in nanoseconds, by priority; called on the
   *     thread that admits the item, outside the queue's lock; not null
   * @throws NullPointerException if an argument is null
   */
  public WorkQueue(LongSupplier nanoClock, ObjLongConsumer<Priority> delayObserver) {
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.delayObserver = Objects.requireNonNull(delayObserver, "delayObserver");
    for (Priority p : Priority.values()) {
      lanes.put(p, new Lane());
    }
  }

  /**
   * Queues {@code bytes} of work for {@code range}; the future completes when it is admitted.
   * Cancelling the future withdraws the item. Never blocks.
   *
   * @param range the range the work belongs to; ranges take turns within a priority
   * @param priority the work's priority; regular work is admitted before any elastic work
   * @param bytes the work's size in bytes, as handed to {@link IoAdmissionController#tryAdmit}
   * @return a future that completes normally on the thread that calls {@link #admit}, or
   *     exceptionally with {@link IllegalStateException} if the queue is or becomes closed first
   */
  public CompletableFuture<Void> submit(RangeId range, Priority priority, long bytes) {
    Item item = new Item(range, priority, bytes, nanoClock.getAsLong());
    synchronized (this) {
      if (closed) {
        item.future.completeExceptionally(new IllegalStateException("admission is closed"));
        return item.future;
      }
      lanes.get(priority).add(item);
    }
    var unused = item.future.whenComplete((ok, error) -> {
      if (item.future.isCancelled()) {
        withdraw(item);
      }
    });
    return item.future;
  }

  /**
   * Admits {@code bytes} at once, without queueing, if nothing of {@code priority} or higher waits
   * (so the order above holds) and {@code controller} grants the tokens. Returns false otherwise;
   * the caller then {@link #submit}s. Saves a future per item when admission is not constrained.
   *
   * @param priority the work's priority
   * @param bytes the work's size in bytes
   * @param controller the IO tokens to take it from
   * @return true if admitted and deducted; false if the queue is closed, work of {@code priority}
   *     or higher is waiting, or {@code controller} refuses
   */
  public synchronized boolean tryAdmitNow(Priority priority, long bytes, IoAdmissionController controller) {
    if (closed) {
      return false;
    }
    for (Map.Entry<Priority, Lane> lane : lanes.entrySet()) {
      if (lane.getKey().compareTo(priority) <= 0 && lane.getValue().size > 0) {
        return false;
      }
    }
    return controller.tryAdmit(priority, bytes);
  }

  private synchronized void withdraw(Item item) {
    lanes.get(item.priority).remove(item);
  }

  /**
   * Admits items in queue order while {@code controller} grants tokens, and completes their futures
   * on this thread, outside the queue's lock.
   *
   * @param controller the IO tokens to take the items from
   * @return how many items were admitted, 0 if none
   */
  public int admit(IoAdmissionController controller) {
    List<Item> admitted = new ArrayList<>();
    synchronized (this) {
      for (Lane lane : lanes.values()) {
        Item next;
        while ((next = lane.peek()) != null && controller.tryAdmit(next.priority, next.bytes)) {
          admitted.add(lane.poll());
        }
      }
    }
    long now = nanoClock.getAsLong();
    for (Item item : admitted) {
      delayObserver.accept(item.priority, now - item.queuedNanos);
      item.future.complete(null);
    }
    return admitted.size();
  }

  /**
   * {@return the number of items waiting at {@code priority}}
   *
   * @param priority the lane to count
   */
  public synchronized int length(Priority priority) {
    return lanes.get(priority).size;
  }

  /**
   * Fails every waiting item with {@link IllegalStateException} and refuses new ones. Idempotent.
   */
  public void close() {
    List<Item> pending = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Lane lane : lanes.values()) {
        Item item;
        while ((item = lane.poll()) != null) {
          pending.add(item);
        }
      }
    }
    for (Item item : pending) {
      item.future.completeExceptionally(new IllegalStateException("admission is closed"));
    }
  }

  private static final class Item {
    final RangeId range;
    final Priority priority;
    final long bytes;
    final long queuedNanos;
    final CompletableFuture<Void> future = new CompletableFuture<>();

    Item(RangeId range, Priority priority, long bytes, long queuedNanos) {
      this.range = range;
      this.priority = priority;
      this.bytes = bytes;
      this.queuedNanos = queuedNanos;
    }
  }

  /** One priority: FIFO per range, ranges in turn. Guarded by the queue. */
  private static final class Lane {
    final Map<RangeId, ArrayDeque<Item>> byRange = new HashMap<>();
    final ArrayDeque<RangeId> turns = new ArrayDeque<>();
    int size;

    void add(Item item) {
      ArrayDeque<Item> items = byRange.computeIfAbsent(item.range, r -> new ArrayDeque<>());
      if (items.isEmpty()) {
        turns.addLast(item.range);
      }
      items.addLast(item);
      size++;
    }

    Item peek() {
      RangeId range = turns.peekFirst();
      return range == null ? null : byRange.get(range).peekFirst();
    }

    Item poll() {
      RangeId range = turns.pollFirst();
      if (range == null) {
        return null;
      }
      ArrayDeque<Item> items = byRange.get(range);
      Item item = items.pollFirst();
      size--;
      if (items.isEmpty()) {
        byRange.remove(range);
      } else {
        turns.addLast(range); // the range had its turn
      }
      return item;
    }

    void remove(Item item) {
      ArrayDeque<Item> items = byRange.get(item.range);
      if (items != null && items.remove(item)) {
        size--;
        if (items.isEmpty()) {
          byRange.remove(item.range);
          turns.remove(item.range);
        }
      }
    }
  }
}
