/**
 * A fake {@link io.raftwire.time.Timebase} for deterministic tests of timing rules: {@link
 * io.raftwire.testkit.time.FakeTimebase#advance} moves its clock and runs what became due.
 */
package io.raftwire.testkit.time;
