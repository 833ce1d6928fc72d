package io.raftwire.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TopologyTest {

  @Test
  void idsAreValidatedValuesWithReadableNames() {
    assertEquals(StoreId.of(3), StoreId.of(3));
    assertEquals("s3", StoreId.of(3).toString());
    assertEquals("r42", RangeId.of(42).toString());
    assertEquals("s3/2", ReplicaAddress.of(StoreId.of(3), 2).toString());
    assertTrue(StoreId.of(1).compareTo(StoreId.of(2)) < 0);
    assertNotEquals(ReplicaAddress.of(StoreId.of(3), 2), ReplicaAddress.of(StoreId.of(3), 1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StoreId.of(0));
    assertTrue(e.getMessage().contains("store id"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RangeId.of(-1));
    assertThrows(IllegalArgumentException.class, () -> ReplicaAddress.of(StoreId.of(1), 0));
    assertThrows(NullPointerException.class, () -> ReplicaAddress.of(null, 1));
  }

  @Test
  void localityParsesTiersAndRendersThemBack() {
    Locality l = Locality.parse(" region = eu , zone=eu-1a,rack=r7");
    assertEquals("region=eu,zone=eu-1a,rack=r7", l.toString());
    assertEquals(l, Locality.parse(l.toString()));
    assertEquals(Optional.of("eu-1a"), l.value("zone"));
    assertEquals(Optional.empty(), l.value("host"));
    assertEquals(Locality.UNKNOWN, Locality.parse(""));
    assertEquals(Locality.UNKNOWN, Locality.of(List.of()));
  }

  @Test
  void closenessCountsSharedLeadingTiers() {
    Locality a = Locality.parse("region=eu,zone=eu-1a,rack=r1");
    assertEquals(3, a.closeness(Locality.parse("region=eu,zone=eu-1a,rack=r1")));
    assertEquals(2, a.closeness(Locality.parse("region=eu,zone=eu-1a,rack=r2")));
    assertEquals(1, a.closeness(Locality.parse("region=eu,zone=eu-1b")));
    assertEquals(0, a.closeness(Locality.parse("region=us,zone=eu-1a")));
    assertEquals(0, a.closeness(Locality.UNKNOWN));
    // A tier only counts if every wider tier matched as well.
    assertEquals(0, a.closeness(Locality.parse("zone=eu-1a")));
  }

  @Test
  void localityRejectsMalformedTiers() {
    for (String bad : List.of("region", "region=eu,zone", "=eu", "region=", "a=b=c", "a=1,a=2", "a=1,,b=2")) {
      assertThrows(IllegalArgumentException.class, () -> Locality.parse(bad), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> Locality.of(List.of(Map.entry("a,b", "c"))));
  }
}
