package io.raftwire.grpc.sender;

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
    assertEquals(120, new Backoff(100, 1000, 2.0, 0.2, () -> 0.99999999).delayNanos(1), 1);
    long capped = new Backoff(100, 1000, 2.0, 0.2, () -> 0.99999999).delayNanos(30);
    assertTrue(capped <= 1200 && capped >= 1199, "capped " + capped);
  }
}
