package io.raftwire.flow;

import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * End-to-end flow control of replication work, per (destination store, priority) stream.
 *
 * <p><b>Threads:</b> every method may be called from any thread. <b>Blocking:</b> none of them
 * blocks; waiting is expressed by the returned futures, which complete on a transport thread (chain
 * with {@code *Async} methods to leave it). <b>Failure:</b> after the transport is closed, pending
 * and new futures complete exceptionally with {@link IllegalStateException}; cancelling a future
 * withdraws its request and leaks no credits.
 */
public interface FlowControl {

  /**
   * Waits until {@code bytes} of {@code priority} work may be proposed for {@code range}: until
   * the stream of every connected follower store has credits left for that priority. Regular work
   * uses regular and elastic credits, elastic work only elastic ones, so regular proposals never
   * wait behind elastic ones. Waiting proposers are woken in priority order, then first come first
   * served. Credits are deducted when the transport accepts the APPEND carrying the entries for
   * each follower, and returned when that follower admits them (or the message is dropped); a
   * stream may go into debt by one message, so large entries cannot deadlock.
   *
   * @param range the range the proposal is for
   * @param followers the stores of the range's other replicas; disconnected ones are not waited for
   * @param priority the priority of the proposed work; decides which credits it needs
   * @param bytes the proposal's size in bytes, {@code >= 0}; the credits themselves are deducted per
   *     follower when the transport accepts the APPEND
   * @return a future completing when the proposal may go ahead; cancel it to give up
   */
  CompletableFuture<Void> admitProposal(
      RangeId range, Collection<StoreId> followers, Priority priority, long bytes);

  /**
   * Follower side: the entries are persisted. They are queued for logical admission by IO tokens;
   * when admitted, the leader store's credits for them are returned. Never blocks the caller (in
   * particular not the Raft thread): persisting is not delayed, only the credit return.
   *
   * @param entries the persisted entries; the credits of their leader store return once they are
   *     admitted
   */
  void entriesDurable(DurableEntries entries);

  /**
   * Waits until elastic disk work of {@code bytes} (snapshot ingest, bulk writes) for {@code range}
   * is admitted by IO tokens; run the work when the future completes. Yields to regular work.
   *
   * @param range the range the work is for
   * @param bytes the bytes the work will write, {@code >= 0}
   * @return a future completing when the work may run; cancel it to give up
   */
  CompletableFuture<Void> admitElasticWork(RangeId range, long bytes);

  /**
   * Reports a completed disk write of this store (for example the fsync of persisted entries) to
   * its storage-health signal, which the generic signal derives IO tokens from.
   *
   * @param bytes the bytes written
   * @param latencyNanos how long the write took, in nanoseconds
   */
  void recordDiskWrite(long bytes, long latencyNanos);

  /**
   * This store stopped leading {@code range}: every credit it holds for the range is returned.
   *
   * @param range the range this store no longer leads
   */
  void leadershipLost(RangeId range);

  /**
   * {@code store} no longer has a replica of {@code range}: its credits for the range return.
   *
   * @param range the range the replica was removed from
   * @param store the store that no longer has a replica of {@code range}
   */
  void replicaRemoved(RangeId range, StoreId store);
}
