/**
 * IO admission: how many bytes of disk work the store admits, derived from its {@link
 * io.raftwire.flow.StoreHealth} signal every interval and handed out in small ticks, with elastic
 * work further capped by a share of provisioned write bandwidth. {@link
 * io.raftwire.admission.io.ThroughputHealth} is the generic signal, built from measured write
 * throughput and latency.
 */
package io.raftwire.admission.io;
