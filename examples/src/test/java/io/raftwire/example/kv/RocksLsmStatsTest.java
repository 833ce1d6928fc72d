package io.raftwire.example.kv;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.admission.AdmissionConfig;
import io.raftwire.admission.io.IoAdmissionController;
import io.raftwire.admission.io.LsmHealth;
import io.raftwire.admission.io.LsmHealthConfig;
import io.raftwire.admission.io.LsmStats;
import io.raftwire.admission.io.ThroughputHealth;
import io.raftwire.message.Priority;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;
import org.rocksdb.MutableColumnFamilyOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * The LSM health signal driven through real RocksDB states, with RocksDB's default stall triggers
 * (L0 slowdown at 20 files, stop at 36) and the signal's default thresholds. A flood adds one L0
 * file per step (a write and a manual flush; automatic compactions off, so L0 only grows). At each
 * step RocksDB's own verdict is read with compactions switched on while background work is paused
 * (RocksDB recomputes its stall conditions at once, and no compaction can run); the signal reads
 * the same state. The clock is injected: one step is one IO interval.
 */
class RocksLsmStatsTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final int STEP_BYTES = 64 * 1024;

  record Step(long l0Files, boolean rocksDelayed, boolean rocksStopped, LsmHealth.State state,
      long regularTokens, long elasticTokens) {}

  @Test
  void aFloodShrinksElasticTokensBeforeRocksDbStallsAndCompactionRestoresThem(@TempDir Path dir) throws Exception {
    RocksDB.loadLibrary();
    try (Options options = new Options().setCreateIfMissing(true).setDisableAutoCompactions(true)
            .setWriteBufferSize(4 * 1024 * 1024);
        RocksDB db = RocksDB.open(options, dir.toString());
        FlushOptions flush = new FlushOptions().setWaitForFlush(true);
        WriteOptions write = new WriteOptions().setNoSlowdown(true)) {
      LsmHealth health = new LsmHealth(new RocksLsmStats(db),
          new ThroughputHealth(AdmissionConfig.DEFAULT_TARGET_WRITE_LATENCY_NANOS, AdmissionConfig.DEFAULT_FLOOR_WRITE_BYTES_PER_SECOND),
          LsmHealthConfig.defaults());
      IoAdmissionController io = new IoAdmissionController(
          AdmissionConfig.builder().storeHealth(health).ioTiming(SECOND, SECOND / 20, SECOND / 1000).build(), 0);
      List<Step> steps = new ArrayList<>();
      byte[] value = new byte[1024];
      for (int n = 1; n <= 38; n++) {
        for (int i = 0; i < STEP_BYTES / value.length; i++) {
          db.put(write, ("k" + n + "-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8), value);
        }
        db.flush(flush);
        health.recordWrite(STEP_BYTES, TimeUnit.MILLISECONDS.toNanos(1));
        db.pauseBackgroundWork();
        autoCompactions(db, true);
        io.recompute(n * SECOND);
        LsmStats seen = health.lastStats();
        steps.add(new Step(seen.l0Files(), seen.writeDelayed(), seen.writeStopped(), health.lastState(),
            io.tokensPerInterval(Priority.REGULAR), io.tokensPerInterval(Priority.ELASTIC)));
        autoCompactions(db, false);
        db.continueBackgroundWork();
      }
      steps.forEach(s -> System.out.println("RocksLsmStatsTest " + s));

      assertEquals(1, steps.get(0).l0Files(), "one L0 file per step");
      assertEquals(LsmHealth.State.HEALTHY, steps.get(0).state());
      assertEquals(steps.get(0).regularTokens(), steps.get(0).elasticTokens());
      Step firstShrink = steps.stream().filter(s -> s.elasticTokens() < s.regularTokens()).findFirst().orElseThrow();
      Step firstElasticZero = steps.stream().filter(s -> s.elasticTokens() == 0).findFirst().orElseThrow();
      Step firstRocksDelay = steps.stream().filter(Step::rocksDelayed).findFirst().orElseThrow();
      Step firstRocksStop = steps.stream().filter(Step::rocksStopped).findFirst().orElseThrow();
      assertEquals(LsmHealthConfig.DEFAULT_ELASTIC_SHRINK_L0_FILES + 1, firstShrink.l0Files());
      assertEquals(LsmHealthConfig.DEFAULT_ELASTIC_ZERO_L0_FILES, firstElasticZero.l0Files());
      assertEquals(20, firstRocksDelay.l0Files(), "RocksDB's own slowdown trigger");
      assertEquals(36, firstRocksStop.l0Files(), "RocksDB's own stop trigger");
      assertTrue(firstShrink.l0Files() < firstRocksDelay.l0Files(), "elastic tokens shrank before RocksDB slowed writes");
      for (Step s : steps) {
        if (s.l0Files() < firstShrink.l0Files()) {
          assertEquals(s.regularTokens(), s.elasticTokens(), "untouched while compactions keep up: " + s);
        }
        if (s.l0Files() < LsmHealthConfig.DEFAULT_REGULAR_SHRINK_L0_FILES) {
          assertEquals(steps.get(0).regularTokens(), s.regularTokens(), "regular work keeps its tokens: " + s);
        }
        if (s.rocksDelayed() || s.rocksStopped()) {
          assertEquals(0, s.elasticTokens(), "no elastic work while RocksDB stalls: " + s);
          assertEquals(LsmHealth.State.STALLED, s.state());
        }
      }

      autoCompactions(db, true); // compaction runs and empties L0
      await().atMost(Duration.ofSeconds(60)).until(() -> new RocksLsmStats(db).read().l0Files() < 4);
      long t = 40 * SECOND;
      io.recompute(t);
      health.recordWrite(STEP_BYTES, TimeUnit.MILLISECONDS.toNanos(1));
      io.recompute(t + SECOND);
      assertEquals(LsmHealth.State.HEALTHY, health.lastState(), "recovered: " + health.lastStats());
      io.tick(t + 3 * SECOND); // a rise ramps up over one interval
      assertEquals(io.tokensPerInterval(Priority.REGULAR), io.tokensPerInterval(Priority.ELASTIC));
      assertTrue(io.tokensPerInterval(Priority.ELASTIC) > 0);
    }
  }

  private static void autoCompactions(RocksDB db, boolean on) throws RocksDBException {
    db.setOptions(MutableColumnFamilyOptions.builder().setDisableAutoCompactions(!on).build());
  }
}
