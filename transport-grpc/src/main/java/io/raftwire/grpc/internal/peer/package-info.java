/**
 * Peers: per peer store one address resolution, one set of gRPC channels (CONTROL, DATA,
 * SNAPSHOT), one breaker with exponential backoff and jitter. Shared by the Raft streams, snapshot
 * transfers and delegation. Internal, not API. May call the resolver, the timebase and metrics;
 * tells breaker transitions to its listeners (the sender's destinations). Hears of the receiver's
 * verified hellos through the composition root, and brings an open breaker's probe forward.
 */
@NullMarked
package io.raftwire.grpc.internal.peer;

import org.jspecify.annotations.NullMarked;
