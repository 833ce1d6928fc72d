/**
 * The production timebase: the system clock and one timer thread per transport. Internal, not
 * API. Owns its thread; depends on nothing else of the transport.
 */
@NullMarked
package io.raftwire.grpc.internal.time;

import org.jspecify.annotations.NullMarked;
