/**
 * Makes raftwire a drop-in {@link io.microraft.transport.Transport} for MicroRaft.
 *
 * <ul>
 *   <li>{@link io.raftwire.adapter.microraft.StoreEndpoint}: a MicroRaft endpoint is a store (one
 *       replica of each range per store);
 *   <li>{@link io.raftwire.adapter.microraft.MicroRaftCodec}: raftwire's own protobuf encoding of
 *       every MicroRaft message; user operations go through a user-supplied {@link
 *       io.raftwire.adapter.microraft.OperationCodec};
 *   <li>{@link io.raftwire.adapter.microraft.MicroRaftTransport}: the {@code Transport}; classifies
 *       messages (heartbeats, votes and responses: CONTROL; appends with entries: APPEND;
 *       install-snapshot traffic: SNAPSHOT) and never throws into the Raft node;
 *   <li>{@link io.raftwire.adapter.microraft.RangeRegistry}: one {@code RaftNode} per range on a
 *       store, routing inbound batches; ranges can be added and removed at runtime;
 *   <li>{@code InboundCheck}: what a message may claim (see below);
 *   <li>{@link io.raftwire.adapter.microraft.AdmissionHooks}: proposal admission before {@code
 *       replicate}, and a {@code RaftStore} decorator that reports durable entries;
 *   <li>{@link io.raftwire.adapter.microraft.MicroRaftSnapshots}: MicroRaft's snapshots over
 *       raftwire's snapshot transfers (the leader's install offer starts a transfer, possibly sent
 *       by a replica nearer the follower; the follower's node gets the verified chunks).
 * </ul>
 *
 * <h2>What an inbound message may claim</h2>
 *
 * The transport vouches for the store an envelope comes from; the MicroRaft message inside names
 * its own sender and group, and MicroRaft believes them. So before a message reaches its node, its
 * sender must be the envelope's {@code from} store, its group id the envelope's range, and the
 * envelope must be addressed to this store; every message type names only its sender (the leader
 * of an append or install-snapshot request, the candidate of a vote, the follower of a response).
 * A message that fails, like one that does not decode, is never handed to MicroRaft and never makes
 * anything throw into it: it is counted by {@link
 * io.raftwire.adapter.microraft.MalformedMessageException.Problem} ({@code
 * MicroRaftNodes#refused}) and reported through a {@link io.raftwire.diagnostics.ProblemLog}, one
 * line per sending store and problem per interval. Honest traffic always passes: MicroRaft sends
 * only as the sending node itself, and membership (a replica being added or removed) is left to
 * MicroRaft.
 */
package io.raftwire.adapter.microraft;
