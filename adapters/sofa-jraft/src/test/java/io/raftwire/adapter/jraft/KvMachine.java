package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small replicated key-value map: puts and gets both go through the log (so gets are
 * linearizable), and snapshots are a properties file. Each operation's closure completes a future.
 */
final class KvMachine extends StateMachineAdapter {
  final Map<String, String> values = new ConcurrentHashMap<>();
  final AtomicInteger applied = new AtomicInteger();
  final AtomicInteger snapshotsLoaded = new AtomicInteger();
  volatile long leaderTerm = -1;

  /** The data of a put. */
  static ByteBuffer put(String key, String value) {
    return ByteBuffer.wrap(("P" + key + "\u0000" + value).getBytes(StandardCharsets.UTF_8));
  }

  /** The data of a get. */
  static ByteBuffer get(String key) {
    return ByteBuffer.wrap(("G" + key).getBytes(StandardCharsets.UTF_8));
  }

  /** Completes {@code result} with the operation's outcome: the value read (or written), or the error. */
  static final class Done implements Closure {
    final CompletableFuture<String> result = new CompletableFuture<>();
    volatile String value;

    @Override
    public void run(Status status) {
      if (status.isOk()) {
        result.complete(value);
      } else {
        result.completeExceptionally(new IllegalStateException(status.toString()));
      }
    }
  }

  @Override
  public void onApply(Iterator it) {
    while (it.hasNext()) {
      String op = StandardCharsets.UTF_8.decode(it.getData().duplicate()).toString();
      String result;
      if (op.startsWith("P")) {
        int sep = op.indexOf('\u0000');
        String key = op.substring(1, sep);
        result = op.substring(sep + 1);
        values.put(key, result);
      } else {
        result = values.get(op.substring(1));
      }
      applied.incrementAndGet();
      if (it.done() instanceof Done) {
        ((Done) it.done()).value = result;
        it.done().run(Status.OK());
      } else if (it.done() != null) {
        it.done().run(Status.OK());
      }
      it.next();
    }
  }

  @Override
  public void onSnapshotSave(SnapshotWriter writer, Closure done) {
    Properties p = new Properties();
    p.putAll(values);
    try (var out = Files.newOutputStream(Path.of(writer.getPath(), "kv"))) {
      p.store(out, null);
    } catch (IOException e) {
      done.run(new Status(RaftError.EIO, "cannot write snapshot: %s", e));
      return;
    }
    done.run(writer.addFile("kv") ? Status.OK() : new Status(RaftError.EIO, "cannot add the snapshot file"));
  }

  @Override
  public boolean onSnapshotLoad(SnapshotReader reader) {
    Path file = Path.of(reader.getPath(), "kv");
    if (!Files.exists(file)) {
      return false;
    }
    Properties p = new Properties();
    try (var in = Files.newInputStream(file)) {
      p.load(in);
    } catch (IOException e) {
      return false;
    }
    values.clear();
    p.forEach((k, v) -> values.put((String) k, (String) v));
    snapshotsLoaded.incrementAndGet();
    return true;
  }

  @Override
  public void onLeaderStart(long term) {
    leaderTerm = term;
  }

  @Override
  public void onLeaderStop(Status status) {
    leaderTerm = -1;
  }
}
