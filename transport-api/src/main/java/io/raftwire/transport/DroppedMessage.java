package io.raftwire.transport;

import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A message that will not be delivered, as told to {@link DropListener}s. Immutable.
 *
 * <p>Every notice carries what a library needs to react: the message's range, sending and
 * receiving replica, traffic class, priority, size, the span of log entries it carried, the reason
 * and {@link #acceptedBySend()} (whether {@link RaftTransport#send} had returned "accepted" for it:
 * the drop happened later, on the way or at the receiver, or had refused it). The message itself
 * ({@link #envelope()}) comes along only while the transport's budget for notices allows it: a
 * transport that must not hold dropped messages without bound sends a notice without it (see
 * {@link #summaryOf}).
 */
public final class DroppedMessage {
  /** Bytes a notice without its envelope is charged in a transport's budget for notices. */
  public static final int SUMMARY_BYTES = 128;

  private final RangeId range;
  private final ReplicaAddress from;
  private final ReplicaAddress to;
  private final TrafficClass trafficClass;
  private final Priority priority;
  private final long sizeBytes;
  private final long firstIndex;
  private final long lastIndex;
  private final Optional<RaftEnvelope> envelope;
  private final DropReason reason;
  private final boolean acceptedBySend;

  private DroppedMessage(RaftEnvelope envelope, boolean keep, DropReason reason, boolean acceptedBySend) {
    this.range = envelope.range();
    this.from = envelope.from();
    this.to = envelope.to();
    this.trafficClass = envelope.trafficClass();
    this.priority = envelope.priority();
    this.sizeBytes = envelope.sizeBytes();
    List<LogEntry> entries = envelope.entries();
    this.firstIndex = entries.isEmpty() ? 0 : entries.get(0).index();
    this.lastIndex = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).index();
    this.envelope = keep ? Optional.of(envelope) : Optional.empty();
    this.reason = reason;
    this.acceptedBySend = acceptedBySend;
  }

  /**
   * Returns a dropped-message report that carries the message itself.
   *
   * @param envelope the message, exactly as it was sent
   * @param reason why it will not be delivered
   * @param acceptedBySend true if {@code send} had accepted it (dropped later), false if {@code
   *     send} refused it
   * @return an immutable report whose {@link #envelope()} is present
   * @throws NullPointerException if {@code envelope} or {@code reason} is null
   */
  public static DroppedMessage of(RaftEnvelope envelope, DropReason reason, boolean acceptedBySend) {
    return new DroppedMessage(
        Objects.requireNonNull(envelope, "envelope"), true, Objects.requireNonNull(reason, "reason"), acceptedBySend);
  }

  /**
   * Returns a dropped-message report with everything but the message itself: its addressing, class,
   * priority, size and entry span are kept, the payload and entries are not (the report does not
   * keep {@code envelope} reachable).
   *
   * @param envelope the message, exactly as it was sent; only its summary is kept
   * @param reason why it will not be delivered
   * @param acceptedBySend true if {@code send} had accepted it (dropped later), false if {@code
   *     send} refused it
   * @return an immutable report whose {@link #envelope()} is empty
   * @throws NullPointerException if {@code envelope} or {@code reason} is null
   */
  public static DroppedMessage summaryOf(RaftEnvelope envelope, DropReason reason, boolean acceptedBySend) {
    return new DroppedMessage(
        Objects.requireNonNull(envelope, "envelope"), false, Objects.requireNonNull(reason, "reason"), acceptedBySend);
  }

  /**
   * {@return the message, exactly as it was sent, or empty if the transport's budget for notices
   * did not allow keeping it} Everything a library needs to react is in the other accessors.
   */
  public Optional<RaftEnvelope> envelope() {
    return envelope;
  }

  /** {@return the range of the message} */
  public RangeId range() {
    return range;
  }

  /** {@return the replica that sent the message} */
  public ReplicaAddress from() {
    return from;
  }

  /** {@return the replica the message was for} */
  public ReplicaAddress to() {
    return to;
  }

  /** {@return the message's traffic class} */
  public TrafficClass trafficClass() {
    return trafficClass;
  }

  /** {@return the message's admission priority} */
  public Priority priority() {
    return priority;
  }

  /** {@return the bytes the message counted for in budgets and credits ({@link RaftEnvelope#sizeBytes()})} */
  public long sizeBytes() {
    return sizeBytes;
  }

  /** {@return the index of the first log entry the message carried, or 0 if it carried none} */
  public long firstIndex() {
    return firstIndex;
  }

  /** {@return the index of the last log entry the message carried, or 0 if it carried none} */
  public long lastIndex() {
    return lastIndex;
  }

  /** {@return why it will not be delivered} */
  public DropReason reason() {
    return reason;
  }

  /**
   * {@return true if {@code send} had accepted the message before it was dropped, false if {@code
   * send} refused it}
   */
  public boolean acceptedBySend() {
    return acceptedBySend;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Dropped{").append(reason).append(acceptedBySend ? " after accept" : " at send")
        .append(", ").append(range).append(' ').append(from).append("->").append(to).append(' ')
        .append(trafficClass).append('/').append(priority).append(", ").append(sizeBytes).append('B');
    if (lastIndex > 0) {
      sb.append(", entries=[").append(firstIndex).append("..").append(lastIndex).append(']');
    }
    if (envelope.isEmpty()) {
      sb.append(", summary only");
    }
    return sb.append('}').toString();
  }
}
