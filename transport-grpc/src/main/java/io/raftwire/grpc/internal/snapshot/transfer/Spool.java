package io.raftwire.grpc.internal.snapshot.transfer;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.topology.RangeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recipient's staging area: one partial file per range, named after the snapshot it holds.
 * The receiver opens a stage only for an offer the library consented to. Only verified chunks are
 * written, in order, so a staged file's length is where a transfer of the same snapshot resumes.
 *
 * <p>What it keeps: a stage in use grows up to its snapshot's size (never reserved ahead: the
 * file holds what was written). When its transfer ends it is deleted, unless the stream broke
 * ({@code keep}), it holds some bytes and it fits, with the other stages kept that way, within
 * {@code maxRetainedBytes}; a kept stage is deleted by {@link #sweep()} once unused for {@code
 * retentionNanos}, or when another snapshot of its range is staged. Leftovers of an earlier
 * process are deleted at start. Thread-safe.
 */
final class Spool {
  private static final Logger log = LoggerFactory.getLogger(Spool.class);

  private final Path dir;
  private final LongSupplier clock;
  private final long retentionNanos;
  private final long maxRetainedBytes;
  @GuardedBy("this")
  private final Map<RangeId, Stage> stages = new HashMap<>();
  /** The stages no transfer uses, and since when; a stage not in here is in use. */
  @GuardedBy("this")
  private final Map<Stage, Long> idleSince = new HashMap<>();

  Spool(Path dir, LongSupplier nanoClock, long retentionNanos, long maxRetainedBytes) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.clock = nanoClock;
    this.retentionNanos = retentionNanos;
    this.maxRetainedBytes = maxRetainedBytes;
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, "*.part")) {
      for (Path p : leftovers) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A partial snapshot file; one transfer at a time uses it. */
  static final class Stage {
    final SnapshotMeta meta;
    final Path file;
    private final FileChannel channel;
    @GuardedBy("this")
    private final CRC32C crc = new CRC32C();
    @GuardedBy("this")
    private long length;

    private Stage(SnapshotMeta meta, Path file) throws IOException {
      this.meta = meta;
      this.file = file;
      this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Bytes staged (the resume offset). */
    synchronized long length() {
      return length;
    }

    /** Appends verified bytes at the stage's end. */
    synchronized void append(ByteBuffer data) throws IOException {
      ByteBuffer forCrc = data.duplicate();
      long position = length;
      while (data.hasRemaining()) {
        position += channel.write(data, position);
      }
      crc.update(forCrc);
      length = position;
    }

    /** True if all bytes are here and their CRC32C is the snapshot's; forces them to disk. */
    synchronized boolean complete() throws IOException {
      channel.force(true);
      return length == meta.sizeBytes() && (int) crc.getValue() == meta.crc32c();
    }
  }

  /** The stage of {@code meta}, resuming a kept one; empty if another transfer is using the range's. */
  synchronized Optional<Stage> open(SnapshotMeta meta) throws IOException {
    Stage existing = stages.get(meta.range());
    if (existing != null && !idleSince.containsKey(existing)) {
      return Optional.empty();
    }
    if (existing != null && existing.meta.equals(meta)) {
      idleSince.remove(existing);
      return Optional.of(existing);
    }
    if (existing != null) {
      remove(existing);
    }
    Path file = dir.resolve(String.format("r%d-%d-%d-%d-%08x.part", meta.range().value(), meta.index(), meta.term(),
        meta.configGeneration(), meta.crc32c()));
    Files.deleteIfExists(file);
    Stage stage = new Stage(meta, file);
    stages.put(meta.range(), stage);
    return Optional.of(stage);
  }

  /**
   * The transfer stopped using {@code stage}. {@code keep}: its stream broke, keep the stage for a
   * resume if it holds bytes and fits the budget; otherwise (or if it does not fit) delete it.
   */
  synchronized void release(Stage stage, boolean keep) {
    if (stages.get(stage.meta.range()) != stage || idleSince.containsKey(stage)) {
      return; // deleted meanwhile (close), or released already
    }
    idleSince.put(stage, clock.getAsLong());
    if (!keep || stage.length() == 0 || retainedBytes() > maxRetainedBytes) {
      remove(stage);
    }
  }

  /** Bytes of the stages no transfer uses (kept for a resume). */
  synchronized long retainedBytes() {
    long bytes = 0;
    for (Stage s : idleSince.keySet()) {
      bytes += s.length();
    }
    return bytes;
  }

  /** Deletes the stages nobody used for the retention time. */
  synchronized void sweep() {
    long now = clock.getAsLong();
    List<Stage> stale = new ArrayList<>();
    for (Map.Entry<Stage, Long> idle : idleSince.entrySet()) {
      if (now - idle.getValue() >= retentionNanos) {
        stale.add(idle.getKey());
      }
    }
    for (Stage s : stale) {
      remove(s);
    }
  }

  /** Deletes every stage (close). */
  synchronized void clear() {
    for (Stage s : List.copyOf(stages.values())) {
      remove(s);
    }
  }

  @GuardedBy("this")
  private void remove(Stage stage) {
    stages.remove(stage.meta.range(), stage);
    idleSince.remove(stage);
    try {
      stage.channel.close();
      Files.deleteIfExists(stage.file);
    } catch (IOException e) {
      log.warn("could not delete staged snapshot {}: {}", stage.file, e.toString());
      throw new UncheckedIOException(e);
    }
  }
}
