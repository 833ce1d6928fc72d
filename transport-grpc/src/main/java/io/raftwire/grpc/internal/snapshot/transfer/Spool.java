package io.raftwire.grpc.internal.snapshot.transfer;

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
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recipient's staging area: one partial file per range, named after the snapshot it holds.
 * Only verified chunks are written, in order, so a staged file's length is where a transfer of the
 * same snapshot resumes. A stage for another snapshot of the range replaces it; a stage unused for
 * {@code retentionNanos} is deleted by {@link #sweep()}; leftovers of an earlier process are deleted
 * at start. Thread-safe.
 */
final class Spool {
  private static final Logger log = LoggerFactory.getLogger(Spool.class);

  private final Path dir;
  private final LongSupplier clock;
  private final long retentionNanos;
  private final Map<RangeId, Stage> stages = new HashMap<>(); // @GuardedBy("this")

  Spool(Path dir, LongSupplier nanoClock, long retentionNanos) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.clock = nanoClock;
    this.retentionNanos = retentionNanos;
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
    private final CRC32C crc = new CRC32C();
    private long length;
    private boolean inUse;
    private long lastUsed;

    private Stage(SnapshotMeta meta, Path file) throws IOException {
      this.meta = meta;
      this.file = file;
      this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      // Resume: the CRC of the verified prefix already on disk.
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      long size = channel.size();
      while (length < size) {
        buffer.clear();
        int n = channel.read(buffer, length);
        if (n < 0) {
          break;
        }
        buffer.flip();
        crc.update(buffer);
        length += n;
      }
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

  /** The stage of {@code meta}, resuming a kept one; empty if another transfer is using it. */
  synchronized java.util.Optional<Stage> open(SnapshotMeta meta) throws IOException {
    Stage existing = stages.get(meta.range());
    if (existing != null && existing.meta.equals(meta) && !existing.inUse) {
      existing.inUse = true;
      return java.util.Optional.of(existing);
    }
    if (existing != null && existing.inUse) {
      return java.util.Optional.empty();
    }
    if (existing != null) {
      remove(existing);
    }
    Path file = dir.resolve(String.format("r%d-%d-%d-%d-%08x.part", meta.range().value(), meta.index(), meta.term(),
        meta.configGeneration(), meta.crc32c()));
    Files.deleteIfExists(file);
    Stage stage = new Stage(meta, file);
    stage.inUse = true;
    stages.put(meta.range(), stage);
    return java.util.Optional.of(stage);
  }

  /** The transfer stopped using {@code stage}; {@code keep}: leave it for a resume, else delete it. */
  synchronized void release(Stage stage, boolean keep) {
    stage.inUse = false;
    stage.lastUsed = clock.getAsLong();
    if (!keep && stages.get(stage.meta.range()) == stage) {
      remove(stage);
    }
  }

  /** Deletes the stages nobody used for the retention time. */
  synchronized void sweep() {
    long now = clock.getAsLong();
    for (Stage s : stages.values().toArray(new Stage[0])) {
      if (!s.inUse && now - s.lastUsed >= retentionNanos) {
        remove(s);
      }
    }
  }

  /** Deletes every stage not in use (close). */
  synchronized void clear() {
    for (Stage s : stages.values().toArray(new Stage[0])) {
      remove(s);
    }
  }

  // @GuardedBy("this")
  private void remove(Stage stage) {
    stages.remove(stage.meta.range(), stage);
    try {
      stage.channel.close();
      Files.deleteIfExists(stage.file);
    } catch (IOException e) {
      log.warn("could not delete staged snapshot {}", stage.file, e);
      throw new UncheckedIOException(e);
    }
  }
}
