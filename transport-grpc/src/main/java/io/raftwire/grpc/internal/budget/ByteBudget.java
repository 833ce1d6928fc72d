package io.raftwire.grpc.internal.budget;

import com.google.errorprone.annotations.ThreadSafe;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A byte budget: bytes are taken with {@link #tryAcquire} and given back with {@link #release}.
 * A budget may have a parent (a lane's budget under its store's global budget, a range's queue
 * under the receiver's): taking from a child takes from every ancestor too, all or nothing, so a
 * parent is never over its limit because of its children.
 *
 * <p>The limit is read on every acquire, so it can change at runtime; lowering it below what is
 * used refuses new bytes until enough is released, and never takes back what was granted.
 *
 * <p>Every budget counts what it holds; {@link #usedBytes()} of a parent equals the sum over its
 * children plus what was taken from it directly, and {@link #release} refuses to go below zero
 * ({@link IllegalStateException}), so a release without an acquire is caught where it happens.
 *
 * <p>Thread-safe and lock-free: one compare-and-set per level. Children do not know each other;
 * a parent does not know its children (nothing to clean up when a child is dropped).
 */
@ThreadSafe
public final class ByteBudget {
  private final String name;
  private final @Nullable ByteBudget parent;
  private final LongSupplier limitBytes;
  private final AtomicLong used = new AtomicLong();

  private ByteBudget(String name, @Nullable ByteBudget parent, LongSupplier limitBytes) {
    this.name = name;
    this.parent = parent;
    this.limitBytes = limitBytes;
  }

  /** A budget without a parent whose limit is read from {@code limitBytes} on every acquire. */
  public static ByteBudget root(String name, LongSupplier limitBytes) {
    return new ByteBudget(name, null, limitBytes);
  }

  /** A budget under this one. */
  public ByteBudget child(String childName, LongSupplier childLimitBytes) {
    return new ByteBudget(childName, this, childLimitBytes);
  }

  /**
   * Takes {@code bytes} from this budget and every ancestor if all have room; otherwise takes
   * nothing.
   *
   * @return null if taken, else the budget (this one or an ancestor) that had no room
   * @throws IllegalArgumentException if {@code bytes} is negative
   */
  public @Nullable ByteBudget tryAcquire(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
    }
    if (!take(bytes)) {
      return this;
    }
    if (parent != null) {
      ByteBudget refused = parent.tryAcquire(bytes);
      if (refused != null) {
        give(bytes);
        return refused;
      }
    }
    return null;
  }

  private boolean take(long bytes) {
    long limit = limitBytes.getAsLong();
    while (true) {
      long current = used.get();
      if (current + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(current, current + bytes)) {
        return true;
      }
    }
  }

  /**
   * Gives {@code bytes} back to this budget and every ancestor.
   *
   * @throws IllegalStateException if more would be released than this budget holds (a double
   *     release); nothing is released then
   */
  public void release(long bytes) {
    if (bytes == 0) {
      return;
    }
    give(bytes);
    if (parent != null) {
      parent.release(bytes);
    }
  }

  private void give(long bytes) {
    while (true) {
      long current = used.get();
      if (current < bytes) {
        throw new IllegalStateException(name + " releases " + bytes + " bytes but holds only " + current);
      }
      if (used.compareAndSet(current, current - bytes)) {
        return;
      }
    }
  }

  /** Bytes held now. */
  public long usedBytes() {
    return used.get();
  }

  /** The limit in force now. */
  public long limitBytes() {
    return limitBytes.getAsLong();
  }

  /** The budget's name, as given at creation (for refusal messages and leak reports). */
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return name + "{" + used.get() + "/" + limitBytes.getAsLong() + "}";
  }
}
