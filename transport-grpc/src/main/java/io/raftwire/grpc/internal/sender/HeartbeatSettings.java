package io.raftwire.grpc.internal.sender;

/**
 * The sender's fixed settings for coalesced heartbeats and liveness beacons, taken from the
 * transport's config at start.
 *
 * @param queueBytes each destination's heartbeat budget: bytes queued or unacknowledged
 * @param lingerNanos least time between two heartbeat flushes to a destination that only
 *     heartbeats wake (a flush for other work takes the queued heartbeats with it)
 * @param beaconIntervalNanos a destination that had no flush for this long gets a beacon
 * @param livenessTimeoutNanos a destination whose oldest flush waits this long for its
 *     acknowledgement counts as unreachable
 */
public record HeartbeatSettings(long queueBytes, long lingerNanos, long beaconIntervalNanos,
    long livenessTimeoutNanos) {}
