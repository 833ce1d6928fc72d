package io.raftwire.message;

import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A range's heartbeat, or its answer, as a compact record: the transport sends every record queued
 * for one destination store in one wire message and hands every record of that message to the
 * destination's store-level handler in one call ({@code io.raftwire.heartbeat.Heartbeats}). It
 * carries no entries, no sequence number of its own and no priority: heartbeats are always sent
 * before everything else.
 *
 * <p>The payload is the library's encoded heartbeat (term, commit index and whatever else its
 * empty append carries), opaque to the transport and at most {@link #MAX_PAYLOAD_BYTES}.
 *
 * <p>Immutable: the payload is copied in by {@link #of} ({@link UnsafeBytes#wrapHeartbeat} hands
 * an array over instead). Equal when range, addresses and payload are equal.
 */
public final class Heartbeat {
  /** The largest payload a heartbeat carries: a heartbeat is small, or it is an envelope. */
  public static final int MAX_PAYLOAD_BYTES = 512;

  /** Bytes charged per heartbeat on top of its payload, for its range and addresses. */
  public static final int OVERHEAD_BYTES = 24;

  private final RangeId range;
  private final ReplicaAddress from;
  private final ReplicaAddress to;
  private final byte[] payload;

  private Heartbeat(RangeId range, ReplicaAddress from, ReplicaAddress to, byte[] payload) {
    this.range = Objects.requireNonNull(range, "range");
    this.from = Objects.requireNonNull(from, "from");
    this.to = Objects.requireNonNull(to, "to");
    Objects.requireNonNull(payload, "payload");
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException(
          "heartbeat payload of " + payload.length + " bytes exceeds " + MAX_PAYLOAD_BYTES);
    }
    if (from.store().equals(to.store())) {
      throw new IllegalArgumentException("heartbeat from " + from + " to its own store " + to);
    }
    this.payload = payload;
  }

  /**
   * Returns a heartbeat of {@code range} from {@code from} to {@code to} with a copy of {@code
   * payload}.
   *
   * @param range the range whose replicas talk
   * @param from the sending replica; its store is this transport's store
   * @param to the receiving replica, on another store
   * @param payload the library's encoded heartbeat, at most {@link #MAX_PAYLOAD_BYTES}; copied
   * @return the heartbeat
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the payload is too large or both replicas are on one store
   */
  public static Heartbeat of(RangeId range, ReplicaAddress from, ReplicaAddress to, byte[] payload) {
    return new Heartbeat(range, from, to, Objects.requireNonNull(payload, "payload").clone());
  }

  static Heartbeat owning(RangeId range, ReplicaAddress from, ReplicaAddress to, byte[] payload) {
    return new Heartbeat(range, from, to, payload);
  }

  /** {@return the range whose replicas talk} */
  public RangeId range() {
    return range;
  }

  /** {@return the sending replica} */
  public ReplicaAddress from() {
    return from;
  }

  /** {@return the receiving replica} */
  public ReplicaAddress to() {
    return to;
  }

  /** {@return the payload, read-only} */
  public ByteBuffer payload() {
    return ByteBuffer.wrap(payload).asReadOnlyBuffer();
  }

  /** {@return the number of payload bytes} */
  public int payloadSize() {
    return payload.length;
  }

  byte[] payloadArray() {
    return payload;
  }

  /** {@return what the heartbeat costs in budgets: {@link #OVERHEAD_BYTES} plus its payload} */
  public int sizeBytes() {
    return OVERHEAD_BYTES + payload.length;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Heartbeat)) {
      return false;
    }
    Heartbeat other = (Heartbeat) o;
    return range.equals(other.range) && from.equals(other.from) && to.equals(other.to)
        && Arrays.equals(payload, other.payload);
  }

  @Override
  public int hashCode() {
    return ((range.hashCode() * 31 + from.hashCode()) * 31 + to.hashCode()) * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "Heartbeat{" + range + ", " + from + " -> " + to + ", payload=" + payload.length + "}";
  }
}
