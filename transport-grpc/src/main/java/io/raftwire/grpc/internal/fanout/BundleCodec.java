package io.raftwire.grpc.internal.fanout;

import com.google.protobuf.UnsafeByteOperations;
import io.raftwire.grpc.internal.wire.Envelope;
import io.raftwire.grpc.internal.wire.Forward;
import io.raftwire.grpc.internal.wire.MalformedEnvelopeException;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A zone fan-out bundle on the wire (see {@code raftwire.proto}): the members' entries once, and
 * one {@link Forward} per member with its payload and span. Stateless.
 */
public final class BundleCodec {
  private BundleCodec() {}

  /** Bytes a bundle costs on the wire and in budgets: the shared entries once, each member's payload. */
  static long sizeBytes(List<RaftEnvelope> members, List<LogEntry> union) {
    long size = RaftEnvelope.OVERHEAD_BYTES;
    for (LogEntry e : union) {
      size += e.sizeBytes();
    }
    for (RaftEnvelope m : members) {
      size += RaftEnvelope.OVERHEAD_BYTES + m.payloadSize();
    }
    return size;
  }

  /**
   * A bundle for {@code agent}.
   *
   * @param members APPENDs with entries of one range, sending replica and priority, to distinct
   *     stores
   * @param union {@link #unionOfEntries} of {@code members}
   * @throws IllegalArgumentException if the members differ in range, sender or priority
   */
  public static Envelope encode(List<RaftEnvelope> members, List<LogEntry> union, StoreId agent, long seq) {
    RaftEnvelope first = members.get(0);
    Envelope.Builder b =
        Envelope.newBuilder()
            .setSeq(seq)
            .setRangeId(first.range().value())
            .setFromReplica(first.from().replicaId())
            .setToStore(agent.value())
            .setTrafficClass(WireCodec.wire(TrafficClass.APPEND))
            .setPriority(WireCodec.wire(first.priority()));
    for (LogEntry entry : union) {
      b.addEntries(WireCodec.wire(entry));
    }
    for (RaftEnvelope m : members) {
      if (!m.range().equals(first.range()) || !m.from().equals(first.from()) || m.priority() != first.priority()) {
        throw new IllegalArgumentException("bundle members differ in range, sender or priority: " + m);
      }
      List<LogEntry> entries = m.entries();
      b.addForwards(
          Forward.newBuilder()
              .setToStore(m.to().store().value())
              .setToReplica(m.to().replicaId())
              .setPayload(UnsafeByteOperations.unsafeWrap(m.payload()))
              .setFirstIndex(entries.get(0).index())
              .setLastIndex(entries.get(entries.size() - 1).index()));
    }
    return b.build();
  }

  /**
   * The entries of {@code members} once each, ascending: the bundle's shared entries.
   *
   * @throws IllegalArgumentException if a member has no entries, the spans leave a gap, or two
   *     members disagree on an entry's term or size
   */
  public static List<LogEntry> unionOfEntries(List<RaftEnvelope> members) {
    long low = Long.MAX_VALUE;
    long high = Long.MIN_VALUE;
    for (RaftEnvelope m : members) {
      List<LogEntry> entries = m.entries();
      if (entries.isEmpty()) {
        throw new IllegalArgumentException("a bundle member without entries: " + m);
      }
      low = Math.min(low, entries.get(0).index());
      high = Math.max(high, entries.get(entries.size() - 1).index());
    }
    if (high - low >= Integer.MAX_VALUE) {
      throw new IllegalArgumentException("bundle span too long: " + low + ".." + high);
    }
    LogEntry[] union = new LogEntry[(int) (high - low + 1)];
    for (RaftEnvelope m : members) {
      for (LogEntry e : m.entries()) {
        int slot = (int) (e.index() - low);
        LogEntry known = union[slot];
        if (known == null) {
          union[slot] = e;
        } else if (known.term() != e.term() || known.dataSize() != e.dataSize()) {
          throw new IllegalArgumentException("members disagree on entry " + e.index() + ": " + known + " vs " + e);
        }
      }
    }
    for (int i = 0; i < union.length; i++) {
      if (union[i] == null) {
        throw new IllegalArgumentException("bundle members leave entry " + (low + i) + " out");
      }
    }
    return List.of(union);
  }

  /** True if {@code wire} is a zone fan-out bundle. */
  public static boolean isBundle(Envelope wire) {
    return wire.getForwardsCount() > 0;
  }

  /**
   * Rebuilds the members of a bundle, in the order of its forwards.
   *
   * @param writer the store that wrote the members (the bundle stream's sender)
   * @throws MalformedEnvelopeException if the bundle is inconsistent: entries not consecutive, a
   *     span outside them or empty, two forwards to one store, or any field out of range
   */
  public static List<RaftEnvelope> decode(Envelope wire, StoreId writer) throws MalformedEnvelopeException {
    try {
      List<LogEntry> union = WireCodec.entries(wire);
      if (union.isEmpty()) {
        throw new IllegalArgumentException("a bundle without entries");
      }
      long low = union.get(0).index();
      for (int i = 1; i < union.size(); i++) {
        if (union.get(i).index() != low + i) {
          throw new IllegalArgumentException("bundle entries are not consecutive at " + union.get(i).index());
        }
      }
      long high = low + union.size() - 1;
      RangeId range = RangeId.of(wire.getRangeId());
      ReplicaAddress from = ReplicaAddress.of(writer, wire.getFromReplica());
      Priority priority = WireCodec.priority(wire.getPriority(), wire.getPriorityValue());
      List<RaftEnvelope> members = new ArrayList<>(wire.getForwardsCount());
      Set<Long> stores = new HashSet<>();
      for (Forward f : wire.getForwardsList()) {
        if (f.getFirstIndex() < low || f.getLastIndex() > high || f.getFirstIndex() > f.getLastIndex()) {
          throw new IllegalArgumentException("forward span " + f.getFirstIndex() + ".." + f.getLastIndex()
              + " is not within the bundle's entries " + low + ".." + high);
        }
        if (!stores.add(f.getToStore())) {
          throw new IllegalArgumentException("two forwards to store " + f.getToStore());
        }
        members.add(
            RaftEnvelope.builder()
                .range(range)
                .from(from)
                .to(ReplicaAddress.of(StoreId.of(f.getToStore()), f.getToReplica()))
                .trafficClass(TrafficClass.APPEND)
                .priority(priority)
                .payload(f.getPayload().asReadOnlyByteBuffer())
                .entries(union.subList((int) (f.getFirstIndex() - low), (int) (f.getLastIndex() - low + 1)))
                .build());
      }
      return members;
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new MalformedEnvelopeException("malformed bundle seq " + wire.getSeq() + ": " + e.getMessage(), e);
    }
  }
}
