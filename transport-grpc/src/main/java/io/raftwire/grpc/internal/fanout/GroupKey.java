package io.raftwire.grpc.internal.fanout;

import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;

/**
 * Which APPENDs may share a bundle: those of one range, from one sending replica, at one priority,
 * to followers of one zone.
 */
record GroupKey(RangeId range, String zone, Priority priority, ReplicaAddress from) {}
