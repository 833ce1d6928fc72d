package io.raftwire.snapshot;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The library's side of receiving snapshots. A snapshot is installed only by consent: when
 * another store offers one, the transport first asks {@link #consent}, and stages nothing unless
 * the library accepts. It then stages the chunks in its spool directory, verifies every chunk's
 * and the whole file's CRC32C, and only then calls {@link #install}.
 *
 * <p>The transport does not know whether a snapshot is wanted: only the library knows whether its
 * replica asked for one, which leader and term it follows and how far its log reaches. A transport
 * that installed whatever a peer offered would let any store that can reach the snapshot service
 * replace a replica's state.
 *
 * <p><b>Threads:</b> both methods are called from the transport's snapshot I/O threads, never from
 * a network thread or the Raft node's own thread; calls for different transfers may be concurrent.
 */
public interface SnapshotSink {
  /**
   * Whether this store's replica of {@code offer.meta().range()} wants the offered snapshot: it
   * asked for one (a leader offered it a snapshot through the library's own protocol), the offer
   * names the leader the replica follows in its current term, and the snapshot is not older than
   * the one that leader offered. Asked again for every transfer attempt of the snapshot (a resume
   * after a broken stream too).
   *
   * <p><b>Blocking:</b> must not block; it reads the replica's state, it does not wait for the
   * Raft node. <b>Failure:</b> an exception counts as a refusal; either way the transfer is refused
   * with {@link SnapshotFailure#NOT_REQUESTED} before a byte is staged.
   */
  SnapshotConsent consent(SnapshotOffer offer);

  /**
   * Installs the verified snapshot in {@code file}, which {@link #consent} accepted as {@code
   * offer}, atomically: afterwards the replica either holds exactly the snapshot, or, if this
   * throws, exactly what it held before. The library should check again that the offer still fits
   * its replica (leadership may have moved during the transfer). The transport deletes the file
   * after the call either way.
   *
   * <p><b>Blocking:</b> may block while installing.
   *
   * @throws IOException the transfer fails with {@code INSTALL_FAILED}
   */
  void install(SnapshotOffer offer, Path file) throws IOException;
}
