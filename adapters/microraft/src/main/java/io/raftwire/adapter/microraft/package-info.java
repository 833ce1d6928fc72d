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
 *   <li>{@link io.raftwire.adapter.microraft.AdmissionHooks}: proposal admission before {@code
 *       replicate}, and a {@code RaftStore} decorator that reports durable entries;
 *   <li>{@link io.raftwire.adapter.microraft.MicroRaftSnapshots}: MicroRaft's snapshots over
 *       raftwire's snapshot transfers (the leader's install offer starts a transfer, possibly sent
 *       by a replica nearer the follower; the follower's node gets the verified chunks).
 * </ul>
 */
package io.raftwire.adapter.microraft;
