/**
 * Admission control for replication, modelled on CockroachDB's replication admission control and
 * kept small and deterministic: no threads, an injected clock, every decision testable.
 *
 * <ul>
 *   <li>{@code credits}: flow tokens per (destination store, priority) stream at the leader, and
 *       the tracker that returns them by log index;
 *   <li>{@code io}: IO tokens per priority derived from the store's health signal, doled in
 *       proportion to elapsed time; the LSM health signal that cuts elastic work first;
 *   <li>{@code queue}: the work queue that orders logical admission by priority, then fairness
 *       across ranges, then arrival.
 * </ul>
 *
 * <h2>What happens if</h2>
 *
 * <ol>
 *   <li><b>A follower's disk is slow.</b> It persists entries at once (Raft is never stalled), but
 *       admits them logically only as IO tokens allow; its "admitted up to index" notices slow
 *       down, the leader's credits for that stream run out, and proposals wait at the leader
 *       (never inside Raft) until credits return.
 *   <li><b>The stream breaks.</b> Every credit tracked for that destination returns at once: the
 *       notices that would have returned them cannot arrive any more. Proposals waiting on it
 *       proceed; a disconnected follower is caught up by Raft later, not waited for.
 *   <li><b>A node restarts.</b> Credits live in memory only. The leader's streams to it broke, so
 *       its credits returned; the restarted node has no pending admissions and starts afresh.
 *   <li><b>Leadership moves.</b> The old leader is told ({@code leadershipLost}) and returns every
 *       credit it tracked for the range; notices still in flight for it find nothing to release
 *       and are ignored. The new leader starts with full credits.
 *   <li><b>A replica is removed.</b> Its credits for the range return ({@code replicaRemoved}).
 *   <li><b>The transport closes.</b> Every credit returns and every waiting proposal fails with
 *       {@link java.lang.IllegalStateException}.
 * </ol>
 *
 * <p>The invariant behind all of these: bytes deducted = bytes returned + bytes tracked. The
 * difference ("unaccounted") must stay zero; a return that would lift a stream above its limit is
 * a double release and fails loudly.
 */
package io.raftwire.admission;
