package io.raftwire.grpc.internal.sender;

import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link AppendPolicy} may do with one destination: everything a zone fan-out bundler
 * needs, and nothing else. Implemented by the sender's destinations.
 *
 * <p><b>Threads:</b> any. <b>Blocking:</b> never; each call takes the destination's lock briefly.
 * Lock order: a policy's lock, then a destination's; a destination never calls a policy while
 * holding its own lock. <b>Failure:</b> refusals are returned, never thrown.
 */
public interface AppendRoute {
  /** The destination store. */
  StoreId store();

  /** The destination's zone, or null if its locality names none. */
  @Nullable String zone();

  /** True while the destination's breaker lets traffic through. */
  boolean allowsTraffic();

  /**
   * Charges {@code message} to this destination's budgets, deducts its credits and queues it.
   *
   * @return the refusal, or null if queued
   */
  @Nullable DropReason offer(EnvelopeMessage message);

  /**
   * Charges {@code message} and deducts its credits as {@link #offer} does, without queueing it: it
   * will travel in a bundle, or be queued later with {@link #enqueueReserved}.
   *
   * @return the refusal (nothing is held then), or null if reserved
   */
  @Nullable DropReason reserve(EnvelopeMessage message);

  /**
   * Queues an item whose charges are held already: a message {@link #reserve reserved} here, or a
   * bundle for this destination as its zone's agent (its members are charged to their own).
   *
   * @return null if queued; otherwise the reason, and the caller must {@link #fail} the item or
   *     send its members another way
   */
  @Nullable DropReason enqueueReserved(Outbound item);

  /** Gives back the charges of {@code items} and reports them dropped. Call outside any lock. */
  void fail(List<? extends Outbound> items, DropReason reason);

  /**
   * Opens this destination's DATA stream if none is open (a hello only): credit returns for
   * entries that travelled in another destination's bundle ride on it.
   */
  void keepDataStreamOpen();
}
