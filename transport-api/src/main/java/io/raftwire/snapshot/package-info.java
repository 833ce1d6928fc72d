/**
 * Snapshots as the transport sees them: what a Raft library offers ({@link
 * io.raftwire.snapshot.SnapshotSource}, read views of its latest snapshot) and accepts ({@link
 * io.raftwire.snapshot.SnapshotSink}: consent to an {@link io.raftwire.snapshot.SnapshotOffer},
 * then atomic installs of a verified file), and how it asks the transport to ship one ({@link
 * io.raftwire.snapshot.SnapshotTransfers}).
 *
 * <p>The transport moves a snapshot in checksummed chunks on a connection of its own, after the
 * recipient granted it a slot, at a limited rate, resuming after a broken stream; the library only
 * produces bytes, says which offers it wants and installs files. Nothing is staged for an offer the
 * library did not accept. A failed transfer never touches the recipient's state: the staged file
 * is deleted and the future fails with a {@link io.raftwire.snapshot.SnapshotException} naming a
 * {@link io.raftwire.snapshot.SnapshotFailure}.
 */
package io.raftwire.snapshot;
