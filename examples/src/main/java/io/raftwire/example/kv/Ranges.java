package io.raftwire.example.kv;

import com.google.protobuf.ByteString;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.List;

/**
 * Where keys and ranges live: a key's range is {@code 1 + hash(key) mod rangeCount}; range {@code
 * r} is replicated on {@code replicas} consecutive stores (in store-id order) starting at {@code
 * (r - 1) mod storeCount}. Immutable.
 */
final class Ranges {
  final int rangeCount;
  final List<StoreId> stores;
  final int replicas;

  Ranges(int rangeCount, List<StoreId> stores, int replicas) {
    if (rangeCount < 1) {
      throw new IllegalArgumentException("rangeCount must be >= 1, was " + rangeCount);
    }
    if (stores.isEmpty()) {
      throw new IllegalArgumentException("at least one store is needed");
    }
    this.rangeCount = rangeCount;
    List<StoreId> sorted = new ArrayList<>(stores);
    sorted.sort(null);
    this.stores = List.copyOf(sorted);
    this.replicas = Math.min(replicas, sorted.size());
  }

  RangeId rangeOf(ByteString key) {
    int h = 0;
    for (int i = 0; i < key.size(); i++) {
      h = 31 * h + key.byteAt(i);
    }
    h ^= h >>> 16;
    return RangeId.of(1 + Math.floorMod(h, rangeCount));
  }

  boolean exists(RangeId range) {
    return range.value() <= rangeCount;
  }

  List<StoreId> replicasOf(RangeId range) {
    List<StoreId> members = new ArrayList<>(replicas);
    for (int i = 0; i < replicas; i++) {
      members.add(stores.get((int) ((range.value() - 1 + i) % stores.size())));
    }
    return members;
  }

  List<RangeId> rangesOf(StoreId store) {
    List<RangeId> hosted = new ArrayList<>();
    for (long r = 1; r <= rangeCount; r++) {
      if (replicasOf(RangeId.of(r)).contains(store)) {
        hosted.add(RangeId.of(r));
      }
    }
    return hosted;
  }
}
