/**
 * Admission control for jraft: {@link io.raftwire.adapter.jraft.admission.JraftAdmission} makes
 * proposals wait for the followers' credits before {@code Node.apply}, and its service factory's
 * log storage reports durable entries, so logical admission and IO tokens work as they do for
 * MicroRaft.
 *
 * <p>May call jraft's node, task and storage interfaces, the transport SPI's flow control and the
 * adapter's directory and group mapping. Sends and receives nothing itself.
 */
package io.raftwire.adapter.jraft.admission;
