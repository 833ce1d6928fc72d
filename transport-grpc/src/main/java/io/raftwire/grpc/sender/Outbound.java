package io.raftwire.grpc.sender;

import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.transport.DropReason;
import java.util.List;
import java.util.function.Consumer;

/**
 * One accepted message on its way: queued, then in flight until acknowledged.
 *
 * <p>Three shapes: a plain message of this store's library; a message this store relays as a
 * zone fan-out agent ({@link #relayDrop} set: no credits, its drops go back to the writing store);
 * and a fan-out bundle ({@link #members} set), which travels on the agent's stream while each
 * member stays charged to its own destination ({@link #home}).
 */
final class Outbound {
  final RaftEnvelope envelope;
  final long sizeBytes;
  final long enqueuedNanos;
  /** For a relayed message: told why it was dropped. Null for this store's own messages. */
  final Consumer<DropReason> relayDrop;
  /** For a bundle: its members, each charged to its {@link #home}. Null otherwise. */
  final List<Outbound> members;
  /** For a bundle: the members' entries once each, ascending. Null otherwise. */
  final List<LogEntry> sharedEntries;
  /** The destination whose lanes are charged for this message (for a bundle: none, null). */
  Destination home;
  /** Stream sequence number, assigned when written; 0 while queued. */
  long seq;

  Outbound(RaftEnvelope envelope, long enqueuedNanos) {
    this(envelope, envelope.sizeBytes(), enqueuedNanos, null, null, null);
  }

  private Outbound(
      RaftEnvelope envelope, long sizeBytes, long enqueuedNanos, Consumer<DropReason> relayDrop,
      List<Outbound> members, List<LogEntry> sharedEntries) {
    this.envelope = envelope;
    this.sizeBytes = sizeBytes;
    this.enqueuedNanos = enqueuedNanos;
    this.relayDrop = relayDrop;
    this.members = members;
    this.sharedEntries = sharedEntries;
  }

  /** A message this store relays for another store's library. */
  static Outbound relayed(RaftEnvelope envelope, long enqueuedNanos, Consumer<DropReason> onDrop) {
    return new Outbound(envelope, envelope.sizeBytes(), enqueuedNanos, onDrop, null, null);
  }

  /**
   * A bundle of {@code members} sharing {@code sharedEntries}; its size is what it costs on the
   * wire: the shared entries once, each member's payload and overhead.
   */
  static Outbound bundle(List<Outbound> members, List<LogEntry> sharedEntries, long enqueuedNanos) {
    long size = RaftEnvelope.OVERHEAD_BYTES;
    for (LogEntry e : sharedEntries) {
      size += e.sizeBytes();
    }
    long oldest = enqueuedNanos;
    for (Outbound m : members) {
      size += RaftEnvelope.OVERHEAD_BYTES + m.envelope.payloadSize();
      oldest = Math.min(oldest, m.enqueuedNanos);
    }
    return new Outbound(members.get(0).envelope, size, oldest, null, List.copyOf(members), sharedEntries);
  }

  boolean isBundle() {
    return members != null;
  }

  int lane() {
    return envelope.trafficClass().ordinal();
  }
}
