package io.raftwire.message;

/**
 * Admission priority of the work a message carries, highest first. Regular (foreground) work never
 * waits behind elastic (background, bulk) work; elastic work may be starved by regular work, by
 * design.
 */
public enum Priority {
  /** Foreground work: user writes that someone is waiting for. */
  REGULAR,
  /** Background or bulk work: index backfills, imports, rebalancing. Yields to regular work. */
  ELASTIC;

  /** True if this priority is strictly higher than {@code other}. */
  public boolean isHigherThan(Priority other) {
    return compareTo(other) < 0; // declared highest first
  }
}
