package io.raftwire.message;

import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One Raft message between two replicas of a range, as the library hands it to the transport.
 *
 * <p>The payload is the library's encoded message, opaque to the transport. For {@link
 * TrafficClass#APPEND} messages the library also lists the log entries the message carries, so
 * that the transport can account credits by entry bytes; the payload then holds the rest of the
 * message (how the two are combined again is the library adapter's business).
 *
 * <p>Immutable: the payload is copied in at {@link Builder#build()}, and the entry list is
 * unmodifiable. Build with {@link #builder()}.
 */
public final class RaftEnvelope {
  /** Bytes charged per envelope on top of payload and entries, for addressing and framing. */
  public static final int OVERHEAD_BYTES = 48;

  private final RangeId range;
  private final ReplicaAddress from;
  private final ReplicaAddress to;
  private final TrafficClass trafficClass;
  private final Priority priority;
  private final byte[] payload;
  private final List<LogEntry> entries;
  private final long sizeBytes;

  private RaftEnvelope(Builder b, byte[] payload, List<LogEntry> entries) {
    this.range = b.range;
    this.from = b.from;
    this.to = b.to;
    this.trafficClass = b.trafficClass;
    this.priority = b.priority;
    this.payload = payload;
    this.entries = entries;
    long size = OVERHEAD_BYTES + (long) payload.length;
    for (LogEntry e : entries) {
      size += e.sizeBytes();
    }
    this.sizeBytes = size;
  }

  /**
   * {@return a new, empty builder} Every field but {@code entries} and {@code priority} is
   * required.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the range (Raft group) this message belongs to} */
  public RangeId range() {
    return range;
  }

  /** {@return the sending replica} Its store must be the sending transport's store. */
  public ReplicaAddress from() {
    return from;
  }

  /** {@return the receiving replica} The transport routes by its store. */
  public ReplicaAddress to() {
    return to;
  }

  /** {@return how the transport treats this message} */
  public TrafficClass trafficClass() {
    return trafficClass;
  }

  /** {@return the admission priority of the work this message carries} */
  public Priority priority() {
    return priority;
  }

  /**
   * {@return a read-only view of the library's encoded message} Each call returns an independent
   * view, positioned at 0.
   */
  public ByteBuffer payload() {
    return ByteBuffer.wrap(payload).asReadOnlyBuffer();
  }

  /** The envelope's own payload array, for {@link UnsafeBytes#payloadArray}: never to be written. */
  byte[] payloadArray() {
    return payload;
  }

  /** {@return the number of payload bytes} */
  public int payloadSize() {
    return payload.length;
  }

  /**
   * {@return the log entries carried, ascending by consecutive index; unmodifiable} Empty unless the
   * class is {@code APPEND}.
   */
  public List<LogEntry> entries() {
    return entries;
  }

  /**
   * {@return the bytes this message counts for in every budget and credit} That is {@link
   * #OVERHEAD_BYTES} plus the payload plus each entry's {@link LogEntry#sizeBytes()}.
   */
  public long sizeBytes() {
    return sizeBytes;
  }

  /** {@return a new builder pre-filled with this envelope's fields, to build a changed copy} */
  public Builder toBuilder() {
    return new Builder()
        .range(range)
        .from(from)
        .to(to)
        .trafficClass(trafficClass)
        .priority(priority)
        .payload(payload)
        .entries(entries);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RaftEnvelope)) {
      return false;
    }
    RaftEnvelope other = (RaftEnvelope) o;
    return range.equals(other.range)
        && from.equals(other.from)
        && to.equals(other.to)
        && trafficClass == other.trafficClass
        && priority == other.priority
        && Arrays.equals(payload, other.payload)
        && entries.equals(other.entries);
  }

  @Override
  public int hashCode() {
    return Objects.hash(range, from, to, trafficClass, priority, Arrays.hashCode(payload), entries);
  }

  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder("RaftEnvelope{")
            .append(range)
            .append(' ')
            .append(from)
            .append("->")
            .append(to)
            .append(' ')
            .append(trafficClass)
            .append('/')
            .append(priority)
            .append(", payload=")
            .append(payload.length)
            .append('B');
    if (!entries.isEmpty()) {
      sb.append(", entries=[")
          .append(entries.get(0).index())
          .append("..")
          .append(entries.get(entries.size() - 1).index())
          .append(']');
    }
    return sb.append('}').toString();
  }

  /** Builds a {@link RaftEnvelope}. Not thread-safe; reusable after {@link #build()}. */
  public static final class Builder {
    private RangeId range;
    private ReplicaAddress from;
    private ReplicaAddress to;
    private TrafficClass trafficClass;
    private Priority priority = Priority.REGULAR;
    private byte[] payload;
    private boolean payloadCopied; // payload is a private copy already: build() need not copy it
    private List<LogEntry> entries = List.of();

    private Builder() {}

    /**
     * Sets the range. Required.
     *
     * @param range the range (Raft group) the message belongs to
     * @return this builder
     */
    public Builder range(RangeId range) {
      this.range = range;
      return this;
    }

    /**
     * Sets the sending replica. Required.
     *
     * @param from the sending replica; its store must be the sending transport's store
     * @return this builder
     */
    public Builder from(ReplicaAddress from) {
      this.from = from;
      return this;
    }

    /**
     * Sets the receiving replica. Required.
     *
     * @param to the receiving replica; must differ from {@code from}
     * @return this builder
     */
    public Builder to(ReplicaAddress to) {
      this.to = to;
      return this;
    }

    /**
     * Sets how the transport treats the message. Required.
     *
     * @param trafficClass the message's class; only {@link TrafficClass#APPEND} may carry entries
     * @return this builder
     */
    public Builder trafficClass(TrafficClass trafficClass) {
      this.trafficClass = trafficClass;
      return this;
    }

    /**
     * Sets the admission priority of the work the message carries. Optional.
     *
     * @param priority the priority; default {@link Priority#REGULAR}
     * @return this builder
     */
    public Builder priority(Priority priority) {
      this.priority = priority;
      return this;
    }

    /**
     * Sets the library's encoded message. Required (may be empty).
     *
     * @param payload the bytes; copied at {@link #build()}, so the array must not change until then
     * @return this builder
     */
    public Builder payload(byte[] payload) {
      this.payload = payload;
      this.payloadCopied = false;
      return this;
    }

    /**
     * Required (may be empty), as an alternative to {@link #payload(byte[])}: copies the remaining
     * bytes of {@code payload} now (its position is not changed).
     *
     * @param payload the bytes from its position to its limit; not null
     * @return this builder
     * @throws NullPointerException if {@code payload} is null
     */
    public Builder payload(ByteBuffer payload) {
      byte[] copy = new byte[payload.remaining()];
      payload.duplicate().get(copy);
      this.payload = copy;
      this.payloadCopied = true;
      return this;
    }

    /** The payload itself, not copied at build: see {@link UnsafeBytes#wrapPayload}. */
    Builder payloadOwned(byte[] payload) {
      this.payload = Objects.requireNonNull(payload, "payload");
      this.payloadCopied = true;
      return this;
    }

    /**
     * Sets the log entries the message carries. Optional.
     *
     * @param entries consecutive ascending indexes with non-decreasing terms; copied at {@link
     *     #build()}; default none; only {@code APPEND} messages may carry entries
     * @return this builder
     */
    public Builder entries(List<LogEntry> entries) {
      this.entries = entries;
      return this;
    }

    /**
     * Validates and builds the envelope.
     *
     * @return a new immutable envelope
     * @throws NullPointerException naming the first required field that is missing
     * @throws IllegalArgumentException if {@code from} equals {@code to}, entries are attached to
     *     a class other than {@code APPEND}, or entry indexes are not consecutive ascending with
     *     non-decreasing terms
     */
    public RaftEnvelope build() {
      Objects.requireNonNull(range, "range");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(trafficClass, "trafficClass");
      Objects.requireNonNull(priority, "priority");
      Objects.requireNonNull(payload, "payload");
      Objects.requireNonNull(entries, "entries");
      if (from.equals(to)) {
        throw new IllegalArgumentException("from and to are the same replica " + from);
      }
      // An immutable list given in (List.of, or one a transport decoded) is kept as it is; any
      // other is copied. Either way a null entry is refused here.
      List<LogEntry> copy = List.copyOf(entries);
      if (!copy.isEmpty() && trafficClass != TrafficClass.APPEND) {
        throw new IllegalArgumentException(
            "only APPEND messages carry log entries, this one is " + trafficClass);
      }
      for (int i = 1; i < copy.size(); i++) {
        LogEntry prev = copy.get(i - 1);
        LogEntry cur = copy.get(i);
        if (cur.index() != prev.index() + 1 || cur.term() < prev.term()) {
          throw new IllegalArgumentException(
              "entries must have consecutive indexes and non-decreasing terms: " + prev + " then "
                  + cur);
        }
      }
      byte[] ownPayload = payloadCopied ? payload : payload.clone();
      payloadCopied = false; // a reused builder must not share this array with the next envelope
      return new RaftEnvelope(this, ownPayload, copy);
    }
  }
}
