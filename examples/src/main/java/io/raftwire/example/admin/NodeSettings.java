package io.raftwire.example.admin;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.raftwire.admission.AdmissionConfig;
import io.raftwire.admission.CreditWindows;
import io.raftwire.example.storage.ThrottledDisk;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.ReceiverLimits;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import io.raftwire.transport.TransportLimits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running store's live settings: the sender's lane and queue budgets ({@link TransportLimits}),
 * the receiver's queue bounds ({@link ReceiverLimits}, with raftwire's gRPC transport) and, when the
 * store runs on a {@link ThrottledDisk}, whether its disk is stalled. A change is validated by the
 * limits' own builders, applied without a restart (the transport reads its limits at every
 * admission), logged at INFO with old and new value, and counted ({@code
 * raftwire.<store>.admin.changes}, refused ones in {@code raftwire.<store>.admin.refused}).
 * Shrinking a budget below what is queued refuses new work until the queue drains below it; what
 * is queued or acknowledged is never dropped. Thread-safe: changes are serialized.
 */
public final class NodeSettings {
  private static final Logger log = LoggerFactory.getLogger(NodeSettings.class);

  private final StoreId store;
  private final Map<String, Setting> settings;
  private final Counter changes;
  private final Counter refused;
  private final MetricRegistry metrics;
  private final Object lock = new Object();

  private NodeSettings(StoreId store, List<Setting> settings, MetricRegistry metrics) {
    this.store = store;
    Map<String, Setting> byName = new LinkedHashMap<>();
    for (Setting s : settings) {
      if (byName.put(s.name(), s) != null) {
        throw new IllegalArgumentException("two settings named " + s.name());
      }
    }
    this.settings = Collections.unmodifiableMap(byName);
    this.metrics = metrics;
    this.changes = metrics.counter(MetricRegistry.name("raftwire", store.toString(), "admin", "changes"));
    this.refused = metrics.counter(MetricRegistry.name("raftwire", store.toString(), "admin", "refused"));
  }

  /**
   * The settings of a store on {@code transport} (its receiver's too if it is raftwire's gRPC
   * transport) and, if not null, {@code disk}; counted in {@code metrics}.
   */
  public static NodeSettings of(StoreId store, RaftTransport transport, ThrottledDisk disk, MetricRegistry metrics) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(metrics, "metrics");
    List<Setting> all = new ArrayList<>();
    TransportLimits d = TransportLimits.defaults();
    all.add(sender(transport, "sender.control_lane_bytes", "bytes",
        "CONTROL lane budget per destination (heartbeats, votes, responses)", d.controlLaneBytes(),
        TransportLimits::controlLaneBytes, (b, v) -> b.controlLaneBytes(v)));
    all.add(sender(transport, "sender.append_lane_bytes", "bytes", "APPEND lane budget per destination",
        d.appendLaneBytes(), TransportLimits::appendLaneBytes, (b, v) -> b.appendLaneBytes(v)));
    all.add(sender(transport, "sender.snapshot_lane_bytes", "bytes", "SNAPSHOT lane budget per destination",
        d.snapshotLaneBytes(), TransportLimits::snapshotLaneBytes, (b, v) -> b.snapshotLaneBytes(v)));
    all.add(sender(transport, "sender.global_queue_bytes", "bytes", "bytes queued to all destinations together",
        d.globalQueueBytes(), TransportLimits::globalQueueBytes, (b, v) -> b.globalQueueBytes(v)));
    all.add(sender(transport, "sender.max_message_bytes", "bytes", "largest message the sender accepts",
        d.maxMessageBytes(), TransportLimits::maxMessageBytes, (b, v) -> b.maxMessageBytes(v)));
    all.add(Setting.ofShare("sender.elastic_queue_share", "share of the APPEND lane and global queue elastic work may hold",
        d.elasticQueueShare(), () -> transport.limits().elasticQueueShare(),
        v -> transport.updateLimits(transport.limits().toBuilder().elasticQueueShare(v).build())));
    if (transport instanceof GrpcTransport grpc) {
      ReceiverLimits r = ReceiverLimits.defaults();
      all.add(receiver(grpc, "receiver.range_append_queue_bytes", "APPEND bytes queued per range",
          r.rangeAppendQueueBytes(), ReceiverLimits::rangeAppendQueueBytes, (b, v) -> b.rangeAppendQueueBytes(v)));
      all.add(Setting.ofLong("receiver.range_append_queue_messages", "messages", "APPEND messages queued per range",
          r.rangeAppendQueueMessages(), () -> (long) grpc.receiverLimits().rangeAppendQueueMessages(),
          v -> grpc.updateReceiverLimits(grpc.receiverLimits().toBuilder().rangeAppendQueueMessages(toInt(v)).build())));
      all.add(receiver(grpc, "receiver.range_control_queue_bytes", "CONTROL bytes queued per range",
          r.rangeControlQueueBytes(), ReceiverLimits::rangeControlQueueBytes, (b, v) -> b.rangeControlQueueBytes(v)));
      all.add(receiver(grpc, "receiver.receive_budget_bytes", "bytes received and not yet handled, all ranges",
          r.receiveBudgetBytes(), ReceiverLimits::receiveBudgetBytes, (b, v) -> b.receiveBudgetBytes(v)));
      all.add(receiver(grpc, "receiver.control_budget_bytes", "CONTROL bytes received and not yet handled",
          r.controlBudgetBytes(), ReceiverLimits::controlBudgetBytes, (b, v) -> b.controlBudgetBytes(v)));
      all.add(receiver(grpc, "receiver.max_message_bytes", "largest message the receiver accepts",
          r.maxMessageBytes(), ReceiverLimits::maxMessageBytes, (b, v) -> b.maxMessageBytes(v)));
      all.add(Setting.ofLong("credits.regular_bytes", "bytes",
          "regular credit window per destination stream (with auto-tuning: the floor it scales from)",
          AdmissionConfig.DEFAULT_REGULAR_CREDIT_BYTES, () -> grpc.creditWindows().regularBytes(),
          v -> grpc.updateCreditWindows(CreditWindows.of(v, grpc.creditWindows().elasticBytes()))));
      all.add(Setting.ofLong("credits.elastic_bytes", "bytes",
          "elastic credit window per destination stream (with auto-tuning: the floor it scales from)",
          AdmissionConfig.DEFAULT_ELASTIC_CREDIT_BYTES, () -> grpc.creditWindows().elasticBytes(),
          v -> grpc.updateCreditWindows(CreditWindows.of(grpc.creditWindows().regularBytes(), v))));
      all.add(Setting.ofShare("receiver.elastic_receive_share", "share of the receive budget elastic work may hold",
          r.elasticReceiveShare(), () -> grpc.receiverLimits().elasticReceiveShare(),
          v -> grpc.updateReceiverLimits(grpc.receiverLimits().toBuilder().elasticReceiveShare(v).build())));
    }
    if (disk != null) {
      all.add(Setting.ofBoolean("disk.stalled",
          "whether this store's disk is stalled: every flush of its Raft log waits until it is not (fault injection)",
          false, disk::stalled, disk::stall));
    }
    return new NodeSettings(store, all, metrics);
  }

  private interface LongField<B> {
    B set(B builder, long value);
  }

  private static Setting sender(RaftTransport transport, String name, String unit, String description, long defaultValue,
      java.util.function.ToLongFunction<TransportLimits> get, LongField<TransportLimits.Builder> set) {
    return Setting.ofLong(name, unit, description, defaultValue, () -> get.applyAsLong(transport.limits()),
        v -> transport.updateLimits(set.set(transport.limits().toBuilder(), v).build()));
  }

  private static Setting receiver(GrpcTransport grpc, String name, String description, long defaultValue,
      java.util.function.ToLongFunction<ReceiverLimits> get, LongField<ReceiverLimits.Builder> set) {
    return Setting.ofLong(name, "bytes", description, defaultValue, () -> get.applyAsLong(grpc.receiverLimits()),
        v -> grpc.updateReceiverLimits(set.set(grpc.receiverLimits().toBuilder(), v).build()));
  }

  private static int toInt(long v) {
    if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
      throw new IllegalArgumentException("at most " + Integer.MAX_VALUE + ", was " + v);
    }
    return (int) v;
  }

  /** The store whose settings these are. */
  StoreId store() {
    return store;
  }

  /** The registry its changes are counted in. */
  MetricRegistry metrics() {
    return metrics;
  }

  /** Every setting, in a stable order. */
  public List<Setting> all() {
    return List.copyOf(settings.values());
  }

  /** {@return the setting named {@code name}} @throws UnknownSettingException if there is none */
  public Setting get(String name) {
    Setting s = settings.get(name);
    if (s == null) {
      throw new UnknownSettingException(name, settings.keySet());
    }
    return s;
  }

  /** A change that took effect: the setting's value before and after. */
  public record Change(String name, String oldValue, String newValue) {
    @Override
    public String toString() {
      return name + ": " + oldValue + " -> " + newValue;
    }
  }

  /**
   * Sets {@code name} to {@code value} and returns what changed.
   *
   * @throws UnknownSettingException if there is no such setting
   * @throws IllegalArgumentException if the value is not acceptable (the old one stays in force)
   */
  public Change set(String name, String value) {
    synchronized (lock) {
      Setting s;
      try {
        s = get(name);
      } catch (UnknownSettingException e) {
        refused.inc();
        throw e;
      }
      String old = s.current().get();
      try {
        s.apply().accept(value);
      } catch (IllegalArgumentException e) {
        refused.inc();
        log.info("{}: refused to set {} to '{}': {}", store, name, value, e.getMessage());
        throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
      }
      Change change = new Change(name, old, s.current().get());
      changes.inc();
      log.info("{}: setting {} (change {})", store, change, changes.getCount());
      return change;
    }
  }
}
