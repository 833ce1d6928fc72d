package io.raftwire.example.cli;

import io.raftwire.topology.Locality;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;

/** Parses {@code id=host:port[@zone],...} lists of stores. */
final class Peers {
  final Map<StoreId, InetSocketAddress> addresses = new TreeMap<>();
  final Map<StoreId, Locality> localities = new TreeMap<>();

  static Peers parse(String text) {
    Peers peers = new Peers();
    for (String item : text.split(",", -1)) {
      String[] idAndRest = item.strip().split("=", 2);
      if (idAndRest.length != 2) {
        throw new IllegalArgumentException("'" + item + "' is not id=host:port[@zone]");
      }
      StoreId id = StoreId.of(Long.parseLong(idAndRest[0].strip()));
      String[] addressAndZone = idAndRest[1].split("@", 2);
      peers.addresses.put(id, address(addressAndZone[0]));
      if (addressAndZone.length == 2) {
        peers.localities.put(id, Locality.parse("zone=" + addressAndZone[1].strip()));
      }
    }
    if (peers.addresses.isEmpty()) {
      throw new IllegalArgumentException("no stores in '" + text + "'");
    }
    return peers;
  }

  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("'" + hostPort + "' is not host:port");
    }
    return new InetSocketAddress(hostPort.substring(0, colon).strip(), Integer.parseInt(hostPort.substring(colon + 1).strip()));
  }
}
