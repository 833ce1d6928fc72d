package io.raftwire.grpc.internal.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void growsExponentiallyUpToTheCapWithoutJitter() {
    Backoff backoff = new Backoff(100, 1000, 2.0, 0.0, () -> 0.5);
    assertEquals(100, backoff.delayNanos(1));
    assertEquals(200, backoff.delayNanos(2));
    assertEquals(400, backoff.delayNanos(3));
    assertEquals(800, backoff.delayNanos(4));
    assertEquals(1000, backoff.delayNanos(5));
    assertEquals(1000, backoff.delayNanos(50));
  }

  @Test
  void jitterSpreadsWithinItsBounds() {
    assertEquals(80, new Backoff(100, 1000, 2.0, 0.2, () -> 0.0).delayNanos(1));
    long high = new Backoff(100, 1000, 2.0, 0.2, () -> 0.99999999).delayNanos(1);
    assertTrue(high >= 119 && high <= 120, "high " + high);
    long capped = new Backoff(100, 1000, 2.0, 0.2, () -> 0.99999999).delayNanos(30);
    assertTrue(capped <= 1200 && capped >= 1199, "capped " + capped);
  }
}
