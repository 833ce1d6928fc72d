/**
 * End-to-end flow control of one store: the {@link io.raftwire.flow.FlowControl} its library
 * sees, wired to the admission module's credit controller, IO admission controller and work
 * queue. Internal, not API. It is the sender's {@code CreditLedger} and the receiver's {@code
 * DeliveredAppends}; admitted notices leave through its {@code Notices} port (the receiver's
 * credit returns). Ticked by the transport's timebase.
 */
@NullMarked
package io.raftwire.grpc.internal.flow;

import org.jspecify.annotations.NullMarked;
