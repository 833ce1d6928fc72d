/**
 * raftwire as the server-to-server transport of Apache Ratis 3.3, through Ratis's own {@code
 * RpcType} extension point.
 *
 * <p><b>Switching.</b> A Ratis server switches with one call, {@link
 * io.raftwire.adapter.ratis.RaftwireRatis#configure}, on its {@code RaftProperties} and {@code
 * Parameters} before it is built: it sets {@code raft.rpc.type} to {@link
 * io.raftwire.adapter.ratis.RaftwireRpcType} and hands over the server's raftwire transport and the
 * {@link io.raftwire.adapter.ratis.RatisStores} directory (Ratis server id → raftwire store and
 * zone). State machines, groups, storage and clients stay as they were.
 *
 * <p><b>What travels where.</b> Every server-to-server RPC travels over raftwire: appends and
 * heartbeats (Ratis's empty appends), votes and pre-votes, leadership handover ({@code
 * startLeaderElection}), snapshot chunks and snapshot notifications, and read indexes. Client and
 * admin requests stay on Ratis's own gRPC services (ratis-grpc, built from the same {@code
 * raft.grpc.*} properties), so Ratis clients, their retry policies and their ordered async streams
 * do not change; those services refuse Ratis's gRPC server-to-server methods, so the Raft traffic
 * of a raftwire server comes over raftwire only. A {@code RaftPeer}'s address stays the address of
 * its client port.
 *
 * <p><b>Groups.</b> All groups (divisions) of one server share its transport; each group is a
 * raftwire range ({@link io.raftwire.adapter.ratis.RatisGroupRanges}, by default a 63-bit hash of
 * the group's UUID; groups that collide share the range and are counted), with its own receiver queue, fairness turn and credits.
 *
 * <p><b>Flow control.</b> The log appender is the adapter's own ({@code RaftwireLogAppender}):
 * per (group, follower) it pipelines appends within a window ({@link
 * io.raftwire.adapter.ratis.RatisOptions#appendsInFlight()}, {@link
 * io.raftwire.adapter.ratis.RatisOptions#appendWindowBytes()}), each batched up to {@code
 * raft.server.log.appender.buffer.byte-limit}, and sends heartbeats on schedule as CONTROL
 * envelopes that overtake queued appends. Ratis's gRPC window ({@code raft.grpc.flow.control.window})
 * and outstanding-append limit do not apply; below the window, what bounds the bytes in flight is
 * raftwire's: the lanes' byte budgets, the receiver's queues and, with admission, the credits per
 * (store, priority). An append the transport refuses or drops ends the window; the appender resends
 * from the follower's match index after {@code raft.server.rpc.sleep.time}.
 *
 * <p><b>Class path.</b> Ratis ships its own shaded gRPC, Netty and protobuf ({@code
 * ratis-thirdparty}, under {@code org.apache.ratis.thirdparty}); raftwire uses grpc-netty-shaded
 * and protobuf-java. The two share no class, so both run in one JVM at their own versions.
 */
package io.raftwire.adapter.ratis;
