package io.raftwire.message;

import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import java.util.Objects;

/**
 * Hands byte arrays into and out of {@link LogEntry}, {@link RaftEnvelope} and {@link Heartbeat} without copying them,
 * for transports and library adapters that move many bytes: an adapter that encodes an entry into
 * a fresh array, or a transport that writes an entry's bytes to a socket or reads them from one.
 *
 * <p>The values stay immutable only if every caller keeps one rule: <b>an array handed in is never
 * written again by anyone, and an array handed out is never written at all.</b> Breaking it changes
 * a message after the transport accepted it (its size was charged, it may be on the wire half
 * written). The safe, copying ways are {@link LogEntry#of(long, long, byte[])}, {@link
 * RaftEnvelope.Builder#payload(byte[])}, {@link LogEntry#data()} and {@link RaftEnvelope#payload()};
 * use this class only where a copy measurably costs and the rule is easy to see in the code.
 *
 * <p>All methods are thread-safe, non-blocking and allocate nothing beyond the value they return.
 */
public final class UnsafeBytes {
  private UnsafeBytes() {}

  /**
   * An entry whose data is {@code data} itself, not a copy.
   *
   * @param index the log index, {@code >= 1}
   * @param term the term the entry was proposed in, {@code >= 0}
   * @param data the encoded entry; from now on owned by the entry and never written again
   * @return an entry equal to {@code LogEntry.of(index, term, data)}
   * @throws IllegalArgumentException if {@code index < 1} or {@code term < 0}
   * @throws NullPointerException if {@code data} is null
   */
  public static LogEntry wrapEntry(long index, long term, byte[] data) {
    return LogEntry.owning(index, term, data);
  }

  /**
   * Sets {@code builder}'s payload to {@code payload} itself: {@link RaftEnvelope.Builder#build()}
   * does not copy it.
   *
   * @param builder the envelope's builder
   * @param payload the encoded message; from now on owned by the envelope built next and never
   *     written again
   * @return {@code builder}
   * @throws NullPointerException if an argument is null
   */
  public static RaftEnvelope.Builder wrapPayload(RaftEnvelope.Builder builder, byte[] payload) {
    return Objects.requireNonNull(builder, "builder").payloadOwned(payload);
  }

  /**
   * {@return the entry's own data array, all of it the data} To be read, never written: it is the
   * entry's state.
   *
   * @param entry the entry whose data is read
   */
  public static byte[] entryArray(LogEntry entry) {
    return entry.array();
  }

  /**
   * {@return the envelope's own payload array, all of it the payload} To be read, never written:
   * it is the envelope's state.
   *
   * @param envelope the envelope whose payload is read
   */
  public static byte[] payloadArray(RaftEnvelope envelope) {
    return envelope.payloadArray();
  }

  /**
   * A heartbeat whose payload is {@code payload} itself, not a copy.
   *
   * @param range the range whose replicas talk
   * @param from the sending replica
   * @param to the receiving replica, on another store
   * @param payload the encoded heartbeat; from now on owned by the heartbeat and never written again
   * @return a heartbeat equal to {@code Heartbeat.of(range, from, to, payload)}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException as {@link Heartbeat#of} does
   */
  public static Heartbeat wrapHeartbeat(RangeId range, ReplicaAddress from, ReplicaAddress to, byte[] payload) {
    return Heartbeat.owning(range, from, to, payload);
  }

  /**
   * {@return the heartbeat's own payload array, all of it the payload} To be read, never written:
   * it is the heartbeat's state.
   *
   * @param heartbeat the heartbeat whose payload is read
   */
  public static byte[] heartbeatPayloadArray(Heartbeat heartbeat) {
    return heartbeat.payloadArray();
  }
}
