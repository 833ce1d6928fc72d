/**
 * The transport's gRPC server: one Netty server per store, bound with the store's credentials,
 * every service under the announced frame limit and the {@link io.raftwire.grpc.ServerLimits}
 * (streams per connection, metadata, handshake, keepalive, idle and age, stream resets), with the
 * peer security's binding of calls to stores; and grpc-netty's own per-stream and per-connection
 * log records passed through a rate-limited problem log instead of a stack trace each. Internal,
 * not API. May call grpc-java, the security package and the problem log.
 */
@NullMarked
package io.raftwire.grpc.internal.server;

import org.jspecify.annotations.NullMarked;
