package io.raftwire.grpc.internal.sender;

import io.raftwire.transport.DropReason;
import java.util.List;

/** Operations on groups of {@link Outbound} items. */
final class Outbounds {
  private Outbounds() {}

  /** Gives back the charges of {@code items}, then reports each dropped with {@code reason}. */
  static void fail(List<? extends Outbound> items, DropReason reason) {
    Releases releases = new Releases();
    for (Outbound item : items) {
      item.release(releases);
    }
    releases.flush();
    for (Outbound item : items) {
      item.dropped(reason);
    }
  }
}
