/**
 * Time as a dependency: {@link io.raftwire.time.Timebase} is the clock and timer service that
 * transports and adapters take instead of reading the system clock or owning schedulers, so that
 * their timing rules can be tested on a fake timebase. {@link io.raftwire.time.ExecutorTimebase}
 * is one over a clock and a timer thread its owner already has. JDK types only.
 */
package io.raftwire.time;
