/**
 * IO admission: how many bytes of disk work the store admits, per priority. {@link
 * io.raftwire.admission.io.IoAdmissionController} turns the store's {@link
 * io.raftwire.flow.StoreHealth} signal into smoothly doled tokens (elastic work yields first,
 * regular work may borrow a bounded debt). Two signals ship: {@link
 * io.raftwire.admission.io.ThroughputHealth}, built from measured write throughput and latency, for
 * engines that expose nothing else; and {@link io.raftwire.admission.io.LsmHealth}, which cuts such
 * a signal by an LSM engine's own statistics ({@link io.raftwire.admission.io.LsmStats}: L0 files,
 * pending compaction bytes, write delays and stops), elastic work first.
 */
package io.raftwire.admission.io;
