package io.raftwire.grpc.internal.sender;

import io.raftwire.topology.StoreId;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The sender's fixed settings, taken from the transport's config at start.
 *
 * @param localStore the sending store
 * @param localZone this store's zone, or null if its locality names none
 * @param targetBatchBytes target bytes of one written batch (a single larger message goes alone)
 * @param maxBatchMessages most messages in one written batch
 * @param drrQuantumBytes deficit-round-robin quantum of the APPEND lane
 * @param elasticBatchBytes most elastic APPEND bytes in one written batch
 * @param elasticInflightBytes most elastic APPEND bytes written to a destination and not yet acknowledged
 * @param helloTimeoutNanos how long a destination has to answer a stream's hello
 * @param idleStreamTimeoutNanos idle time after which a stream is closed
 */
public record SenderSettings(
    StoreId localStore,
    @Nullable String localZone,
    long targetBatchBytes,
    int maxBatchMessages,
    long drrQuantumBytes,
    long elasticBatchBytes,
    long elasticInflightBytes,
    long helloTimeoutNanos,
    long idleStreamTimeoutNanos) {

  /** How often destinations check hello timeouts and idle streams: a quarter of the shorter, 10 ms to 1 s. */
  long upkeepPeriodNanos() {
    return Math.max(TimeUnit.MILLISECONDS.toNanos(10),
        Math.min(TimeUnit.SECONDS.toNanos(1), Math.min(helloTimeoutNanos, idleStreamTimeoutNanos) / 4));
  }
}
