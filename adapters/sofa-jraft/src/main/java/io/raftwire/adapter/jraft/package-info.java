/**
 * raftwire as sofa-jraft's RPC layer, plugged in through jraft's own extension point.
 *
 * <h2>Switching a jraft application to raftwire</h2>
 *
 * <ol>
 *   <li>Put this jar on the class path: jraft's {@code @SPI} loader then picks {@link
 *       io.raftwire.adapter.jraft.RaftwireRpcFactory} (priority 100) over Bolt.
 *   <li>Fill a {@link io.raftwire.adapter.jraft.StoreDirectory}: every store id with the jraft
 *       endpoint of its peers ({@code ip:port}) and its zone. This is the one place that says which
 *       raftwire store a jraft {@code PeerId} is; its {@code idx} becomes the replica id.
 *   <li>Start the store's raftwire transport and {@link
 *       io.raftwire.adapter.jraft.RaftwireJraft#install} it, before jraft creates its {@code
 *       RpcServer}. jraft's {@code NodeOptions}, {@code RaftGroupService}, {@code StateMachine} and
 *       {@code Node.apply} code stay as they are.
 * </ol>
 *
 * <p>A jraft group id maps to a range by {@link io.raftwire.adapter.jraft.GroupRanges} (by default
 * a hash of the id); all groups of a store share its one transport (multi-raft).
 *
 * <h2>Calls over one-way envelopes</h2>
 *
 * jraft's RPCs are request/response with a callback and a timeout; raftwire moves one-way
 * envelopes. Each request carries a call id and the range its answer travels on; the calling
 * store keeps the call in a bounded table until it ends, exactly once: by its answer, by jraft's
 * timeout ({@code ETIMEDOUT}), or as a failed RPC ({@code EINTERNAL}) when raftwire refuses or
 * drops the request, the destination is unreachable, or the destination answers that no processor
 * took it. An unreachable peer is a failed RPC at once, as with Bolt.
 *
 * <h2>Lanes and the order jraft relies on</h2>
 *
 * jraft's follower numbers the pipelined appends of each (group, leader, follower) in arrival order
 * and answers them in that order; the leader matches answers to its requests. So the requests the
 * follower numbers, appends with entries and probes (no entries, empty data), must arrive in the
 * order they were sent: both travel on APPEND, which raftwire keeps in order per range and sending
 * store. Heartbeats (no entries, no data) are not numbered and travel on CONTROL, so they overtake
 * appends; they carry the last index the follower acknowledged, so overtaking never makes them
 * fail. Where the transport offers coalesced heartbeats ({@link
 * io.raftwire.adapter.jraft.JraftOptions.Builder#coalescedHeartbeats}, on by default) heartbeats
 * and their answers travel as heartbeat records instead, all of a flush to one store in one wire
 * message; each record names its call as its sending replica, so the records of two calls never
 * replace one another, and every call still ends exactly once. jraft cannot let idle groups stop
 * heartbeating (each leader's replicators heartbeat on a timer, each follower elects on a timeout
 * of its own), so the transport's store liveness only feeds {@code isReachable} here. Votes, pre-votes, timeout-now, read-index, pings, CLI calls and every answer travel on
 * CONTROL, except the answer to a file read, which carries snapshot bytes and travels on SNAPSHOT
 * with install-snapshot requests and file reads.
 *
 * <h2>What jraft cannot do here</h2>
 *
 * <ul>
 *   <li>A call from a store to itself (a CLI client addressing its own store) is refused: raftwire
 *       sends only between stores.
 *   <li>A process that hosts no store cannot make jraft calls (CLI tools must run beside a store).
 *   <li>Snapshots travel as jraft's own file reads on the SNAPSHOT lane, not as raftwire snapshot
 *       transfers: jraft's snapshot copier owns the files and offers no hook to hand them over.
 * </ul>
 *
 * <p>May call jraft's RPC, node and option classes, the transport SPI, the codec package, SLF4J and
 * Dropwizard metrics. Never the gRPC transport's classes: any {@code RaftTransport} works.
 */
package io.raftwire.adapter.jraft;
