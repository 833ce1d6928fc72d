/**
 * Snapshot transfers, both ways: the sender (reserve, offer, paced and windowed CRC32C chunks,
 * resume after broken streams), the recipient (slots, spool, receive rate, elastic IO admission,
 * verify then install), the cache of generated snapshots and the rate limiters. Internal, not API.
 * {@link io.raftwire.grpc.internal.snapshot.transfer.Transfers} is its one entry point. May call
 * {@code internal.peer} (channels, backoff), {@code internal.wire}, {@code internal.metrics}, the
 * library's snapshot source and sink, and flow control's elastic admission.
 */
@NullMarked
package io.raftwire.grpc.internal.snapshot.transfer;

import org.jspecify.annotations.NullMarked;
