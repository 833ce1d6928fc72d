/**
 * The sending side of the gRPC transport. Internal, not API.
 *
 * <pre>
 *  send ─► Sender ─► AppendPolicy (APPENDs with entries: zone fan-out or direct)
 *             └────► Destination[store]: Lanes CONTROL | APPEND (DRR) | SNAPSHOT, budgets under one global
 *                      ├─ StreamWriter CONTROL ══ stream ══►  (its own TCP connection)
 *                      └─ StreamWriter DATA    ══ stream ══►
 * </pre>
 *
 * <p>Owns: destinations, lanes, stream writers, the accepted items ({@link
 * io.raftwire.grpc.internal.sender.Outbound}) and the reporting of their drops. A message stays
 * charged to its lane's budget and the global budget from {@code send} until the receiver
 * acknowledges it (or it is dropped), so the bytes a sender holds in lanes, in gRPC's buffers and
 * on the wire never exceed its budgets.
 *
 * <p>May call: {@code internal.peer} (channels and breakers), {@code internal.budget}, {@code
 * internal.wire}, {@code internal.metrics}, and its ports: {@link
 * io.raftwire.grpc.internal.sender.CreditLedger} (flow control), {@link
 * io.raftwire.grpc.internal.sender.AppendPolicy} (zone fan-out), {@link
 * io.raftwire.grpc.internal.sender.RelayDrops} (the receiver's echo of relayed drops). What zone
 * fan-out may do with a destination is {@link io.raftwire.grpc.internal.sender.AppendRoute}.
 */
@NullMarked
package io.raftwire.grpc.internal.sender;

import org.jspecify.annotations.NullMarked;
