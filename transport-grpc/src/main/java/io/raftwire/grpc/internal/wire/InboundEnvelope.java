package io.raftwire.grpc.internal.wire;

import io.raftwire.message.RaftEnvelope;
import org.jspecify.annotations.Nullable;

/**
 * One envelope of an {@link InboundFrame}: its stream sequence number and named writer (as sent,
 * unchecked), and exactly one of the decoded envelope, a fan-out bundle (still in wire form, for
 * the fan-out agent) or the reason it is malformed. Immutable.
 */
public final class InboundEnvelope {
  private final long seq;
  private final long fromStore;
  private final boolean bundle;
  private final @Nullable RaftEnvelope envelope;
  private final @Nullable Envelope wire;
  private final @Nullable String malformed;

  private InboundEnvelope(long seq, long fromStore, boolean bundle, @Nullable RaftEnvelope envelope,
      @Nullable Envelope wire, @Nullable String malformed) {
    this.seq = seq;
    this.fromStore = fromStore;
    this.bundle = bundle;
    this.envelope = envelope;
    this.wire = wire;
    this.malformed = malformed;
  }

  static InboundEnvelope plain(long seq, long fromStore, RaftEnvelope envelope) {
    return new InboundEnvelope(seq, fromStore, false, envelope, null, null);
  }

  static InboundEnvelope bundle(long seq, long fromStore, Envelope wire) {
    return new InboundEnvelope(seq, fromStore, true, null, wire, null);
  }

  static InboundEnvelope malformed(long seq, long fromStore, boolean bundle, String detail) {
    return new InboundEnvelope(seq, fromStore, bundle, null, null, detail);
  }

  /** {@return the stream sequence number, as sent} */
  public long seq() {
    return seq;
  }

  /** {@return the {@code from_store} field as sent (0: the stream's sender), unsigned} */
  public long fromStore() {
    return fromStore;
  }

  /** {@return whether it is a fan-out bundle (it has forwards)} */
  public boolean isBundle() {
    return bundle;
  }

  /** {@return why it cannot be taken, or null} */
  public @Nullable String malformed() {
    return malformed;
  }

  /** {@return the decoded envelope of a well-formed plain envelope} */
  public RaftEnvelope envelope() {
    if (envelope == null) {
      throw new IllegalStateException("no decoded envelope: " + (malformed != null ? malformed : "a bundle"));
    }
    return envelope;
  }

  /** {@return the wire form of a well-formed bundle} */
  public Envelope bundleWire() {
    if (wire == null) {
      throw new IllegalStateException("not a well-formed bundle");
    }
    return wire;
  }
}
