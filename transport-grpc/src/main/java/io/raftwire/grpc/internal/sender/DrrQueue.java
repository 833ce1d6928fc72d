package io.raftwire.grpc.internal.sender;

import io.raftwire.topology.RangeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * FIFO per range, deficit round robin by bytes across ranges: each range with messages gets a
 * quantum of bytes per round, so a range with a deep backlog cannot starve the others, and ranges
 * share the lane in proportion to bytes rather than message counts. Not thread-safe: guarded by the
 * owning {@link Lanes}.
 */
final class DrrQueue {
  private final Map<RangeId, Flow> flows = new HashMap<>();
  private final ArrayDeque<Flow> round = new ArrayDeque<>();
  private final long quantumBytes;
  private int size;

  DrrQueue(long quantumBytes) {
    this.quantumBytes = quantumBytes;
  }

  void add(Outbound message) {
    Flow flow = flows.computeIfAbsent(message.range(), Flow::new);
    if (flow.messages.isEmpty()) {
      round.addLast(flow);
    }
    flow.messages.addLast(message);
    size++;
  }

  /** Removes the next message in round-robin order, or returns null if empty. */
  Outbound poll() {
    while (!round.isEmpty()) {
      Flow flow = round.peekFirst();
      if (!flow.inTurn) {
        flow.deficitBytes += quantumBytes;
        flow.inTurn = true;
      }
      Outbound head = flow.messages.peekFirst();
      if (head.sizeBytes() <= flow.deficitBytes) {
        flow.messages.pollFirst();
        flow.deficitBytes -= head.sizeBytes();
        size--;
        if (flow.messages.isEmpty()) {
          round.pollFirst();
          flows.remove(flow.range);
        }
        return head;
      }
      // Turn over: keep the deficit (so a large message is eventually sent), go to the back.
      flow.inTurn = false;
      round.addLast(round.pollFirst());
    }
    return null;
  }

  int size() {
    return size;
  }

  /** Removes and returns {@code range}'s messages in order (empty if it has none queued). */
  List<Outbound> remove(RangeId range) {
    Flow flow = flows.remove(range);
    if (flow == null) {
      return List.of();
    }
    round.remove(flow);
    size -= flow.messages.size();
    return new ArrayList<>(flow.messages);
  }

  /** Removes and returns everything, range by range. */
  List<Outbound> drain() {
    List<Outbound> all = new ArrayList<>(size);
    for (Flow flow : round) {
      all.addAll(flow.messages);
    }
    round.clear();
    flows.clear();
    size = 0;
    return all;
  }

  private static final class Flow {
    final RangeId range;
    final ArrayDeque<Outbound> messages = new ArrayDeque<>();
    long deficitBytes;
    boolean inTurn;

    Flow(RangeId range) {
      this.range = range;
    }
  }
}
