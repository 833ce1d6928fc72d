/**
 * Snapshots of one store, composed: {@link io.raftwire.grpc.internal.snapshot.SnapshotService} is the
 * {@code SnapshotTransfers} the library sees, built from {@code internal.snapshot.transfer} and
 * {@code internal.snapshot.delegation}. Internal, not API.
 *
 * <p>Snapshot transfers over gRPC: a streaming RPC of its own ({@code snapshot.proto}), a slot
 * reservation at the recipient before the sender generates anything (catch-up before rebalancing,
 * bounded queue, queue timeout that leaves the transfer its time), CRC32C-checked chunks staged in a
 * spool directory and resumed after broken streams, send and receive token buckets adjustable at
 * runtime, the recipient's disk writes through elastic IO admission, and a byte-bounded,
 * reference-counted Caffeine cache of generated snapshots that never serves one older than the
 * range's log truncation point. Sends are delegated, when a replica is closer to the recipient
 * than the leader, to that replica ({@code internal.snapshot.delegation}).
 *
 * <p>What happens if: <b>a chunk is corrupted</b>: the recipient nacks it, the sender resends from
 * there (up to {@code maxCorruptions}, then CORRUPT); <b>the whole file fails its CRC</b>: the stage
 * is deleted and the transfer starts over; <b>the stream breaks</b>: the recipient keeps the verified
 * prefix, the sender reserves again and resumes after it (up to {@code maxAttempts}); <b>the install
 * fails</b>: the stage is deleted, the sender gets INSTALL_FAILED and the replica is as it was;
 * <b>the recipient is busy</b>: the transfer waits in its queue, or is refused RECIPIENT_BUSY /
 * QUEUE_TIMEOUT; <b>the log is truncated past a cached snapshot</b>: the next transfer generates a
 * new one, transfers reading the old one finish with it and it closes after the last; <b>a
 * delegate refuses</b> (STALE_TERM, DELEGATE_BEHIND, NOT_A_MEMBER, DELEGATE_BUSY, UNKNOWN_RANGE),
 * <b>does not answer in time</b> or <b>its call breaks</b>: the next candidate is asked, then the
 * leader sends itself; <b>a delegate's snapshot is older than the leader's log start</b>: its
 * transfer fails DELEGATE_BEHIND before a byte is sent and the next is asked; <b>a delegated
 * transfer fails at the recipient</b> (TOO_LARGE, INSTALL_FAILED, UNKNOWN_RANGE): the send fails,
 * since no other sender would do better; <b>the leader gives up on an accepted delegate</b> (its
 * call broke): the delegate's transfer may still finish, and the recipient's slots and the
 * library's index checks make the second copy harmless.
 */
@NullMarked
package io.raftwire.grpc.internal.snapshot;

import org.jspecify.annotations.NullMarked;
