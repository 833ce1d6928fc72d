/**
 * Delegated snapshot sends: the leader asks the replicas nearer the recipient, closest first, to
 * send in its place, and sends itself when none does; a delegate checks term, membership and
 * progress before it accepts. Internal, not API. Builds on {@code internal.snapshot.transfer}
 * (transfers and their channels); may call the library's snapshot source and {@code
 * internal.metrics}.
 */
@NullMarked
package io.raftwire.grpc.internal.snapshot.delegation;

import org.jspecify.annotations.NullMarked;
