/**
 * Flow control and admission, as a Raft library (through its adapter) sees them.
 *
 * <ul>
 *   <li>At the leader, before proposing: {@link io.raftwire.flow.FlowControl#admitProposal} waits
 *       (without blocking a thread) until the streams to the range's followers have credits.
 *   <li>At a follower, after persisting: {@link io.raftwire.flow.FlowControl#entriesDurable}
 *       reports entries, which are then admitted logically by IO tokens; credits flow back to the
 *       leader as they are.
 *   <li>Elastic disk work (snapshot ingest, bulk writes) asks {@link
 *       io.raftwire.flow.FlowControl#admitElasticWork} first.
 *   <li>{@link io.raftwire.flow.StoreHealth} is the store's storage-health signal, from which IO
 *       tokens are derived.
 * </ul>
 *
 * <p>A transport that supports flow control returns it from {@link
 * io.raftwire.transport.RaftTransport#flowControl()}.
 */
package io.raftwire.flow;
