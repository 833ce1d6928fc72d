package io.raftwire.adapter.microraft;

import io.microraft.RaftConfig;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.persistence.NopRaftStore;
import io.microraft.persistence.RaftStore;
import io.microraft.statemachine.StateMachine;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** One store of a test cluster: a transport, its registry, and a RaftNode per range. */
final class TestStore implements AutoCloseable {
  static final RaftConfig FAST =
      RaftConfig.newBuilder()
          .setLeaderElectionTimeoutMillis(500)
          .setLeaderHeartbeatPeriodSecs(1)
          .setLeaderHeartbeatTimeoutSecs(2)
          .build();

  final StoreId id;
  final RaftTransport transport;
  final MicroRaftCodec codec = new MicroRaftCodec(new StringOperations());
  final AdmissionHooks hooks;
  final RangeRegistry registry;
  final MicroRaftTransport microRaftTransport;
  final Map<RangeId, AppliedLog> logs = new ConcurrentHashMap<>();

  TestStore(StoreId id, RaftTransport transport) {
    this.id = id;
    this.transport = transport;
    this.hooks = transport.flowControl().map(flow -> new AdmissionHooks(flow, id, codec)).orElse(null);
    this.registry = hooks == null ? new RangeRegistry(transport, codec) : new RangeRegistry(transport, codec, hooks.onAppend());
    this.microRaftTransport = new MicroRaftTransport(transport, codec);
  }

  RaftNode start(RangeId range, Collection<RaftEndpoint> members) {
    AppliedLog log = new AppliedLog();
    logs.put(range, log);
    RaftStore store = hooks == null ? new NopRaftStore() : hooks.reportingStore(range, new NopRaftStore());
    RaftNode node =
        RaftNode.newBuilder()
            .setGroupId(range)
            .setLocalEndpoint(StoreEndpoint.of(id))
            .setInitialGroupMembers(members)
            .setConfig(FAST)
            .setTransport(microRaftTransport)
            .setStateMachine(log)
            .setStore(store)
            .build();
    registry.add(node);
    var unused = node.start(); // completes once the node runs; callers wait for leaders instead
    return node;
  }

  @Override
  public void close() {
    for (RangeId range : registry.ranges()) {
      registry.remove(range).ifPresent(node -> node.terminate().join());
    }
  }

  /** A state machine that records the operations it applies, in order. */
  static final class AppliedLog implements StateMachine {
    final List<Object> applied = new CopyOnWriteArrayList<>();

    @Override
    public Object runOperation(long commitIndex, Object operation) {
      applied.add(operation);
      return operation;
    }

    @Override
    public void takeSnapshot(long commitIndex, Consumer<Object> chunks) {
      chunks.accept(String.join("\n", applied.stream().map(Object::toString).toList()));
    }

    @Override
    public void installSnapshot(long commitIndex, List<Object> chunks) {
      applied.clear();
      for (Object chunk : chunks) {
        if (!((String) chunk).isEmpty()) {
          applied.addAll(List.of(((String) chunk).split("\n")));
        }
      }
    }

    @Override
    public Object getNewTermOperation() {
      return null;
    }
  }
}
