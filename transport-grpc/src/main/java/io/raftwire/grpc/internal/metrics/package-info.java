/**
 * How the transport's parts register their metrics: only through the names of {@link
 * io.raftwire.grpc.GrpcMetrics}, in the user's registry, under {@code raftwire.<store>.}. Internal,
 * not API. May call Dropwizard and the public name constants only.
 */
@NullMarked
package io.raftwire.grpc.internal.metrics;

import org.jspecify.annotations.NullMarked;
