package io.raftwire.adapter.ratis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;

/**
 * A key-value Ratis state machine for the tests: {@code put k v} writes and answers {@code v},
 * {@code get k} reads ({@link #ABSENT} for a missing key). Snapshots are a properties file of the
 * map, so a follower that lost the log catches up by snapshot. An optional apply delay makes a
 * slow follower.
 */
final class KvStateMachine extends BaseStateMachine {
  /** What {@code get} answers for a key never written. */
  static final String ABSENT = "<absent>";

  final Map<String, String> values = new ConcurrentHashMap<>();
  /** Snapshots installed from the leader (not those this server took itself and loads at start). */
  final AtomicLong snapshotsInstalled = new AtomicLong();
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final Object lock = new Object(); // guards values' consistency with the applied index

  static Message put(String key, String value) {
    return Message.valueOf("put " + key + " " + value);
  }

  static Message get(String key) {
    return Message.valueOf("get " + key);
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    getLifeCycle().startAndTransition(() -> load(storage.getLatestSnapshot()));
  }

  /** Before Ratis installs a snapshot from the leader: Ratis reloads only a paused machine. */
  @Override
  public void pause() {
    if (getLifeCycle().compareAndTransition(LifeCycle.State.RUNNING, LifeCycle.State.PAUSING)) {
      getLifeCycle().transition(LifeCycle.State.PAUSED);
    }
  }

  /** After Ratis installed a snapshot: the machine becomes the snapshot. */
  @Override
  public void reinitialize() throws IOException {
    load(storage.loadLatestSnapshot());
    snapshotsInstalled.incrementAndGet();
    if (getLifeCycle().compareAndTransition(LifeCycle.State.PAUSED, LifeCycle.State.STARTING)) {
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    String[] command = entry.getStateMachineLogEntry().getLogData().toString(StandardCharsets.UTF_8).split(" ", 3);
    synchronized (lock) {
      if (command.length == 3 && command[0].equals("put")) {
        values.put(command[1], command[2]);
      }
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    return CompletableFuture.completedFuture(Message.valueOf(command.length == 3 ? command[2] : "?"));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    String[] command = request.getContent().toString(StandardCharsets.UTF_8).split(" ", 2);
    if (command.length != 2 || !command[0].equals("get")) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("not a query: " + request));
    }
    return CompletableFuture.completedFuture(Message.valueOf(values.getOrDefault(command[1], ABSENT)));
  }

  @Override
  public long takeSnapshot() throws IOException {
    Properties copy = new Properties();
    TermIndex last;
    synchronized (lock) {
      last = getLastAppliedTermIndex();
      copy.putAll(values);
    }
    if (last == null) {
      return -1;
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    try (OutputStream out = Files.newOutputStream(file.toPath())) {
      copy.store(out, null);
    }
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(
        new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file)), last));
    return last.getIndex();
  }

  private void load(SingleFileSnapshotInfo snapshot) throws IOException {
    if (snapshot == null) {
      return;
    }
    Properties loaded = new Properties();
    try (InputStream in = Files.newInputStream(snapshot.getFile().getPath())) {
      loaded.load(in);
    }
    synchronized (lock) {
      values.clear();
      loaded.forEach((k, v) -> values.put((String) k, (String) v));
      setLastAppliedTermIndex(snapshot.getTermIndex());
    }
  }
}
