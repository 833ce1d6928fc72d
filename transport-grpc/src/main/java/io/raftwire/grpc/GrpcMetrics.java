package io.raftwire.grpc;

import io.raftwire.grpc.MetricName.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every metric a {@link GrpcTransport} registers in {@link GrpcTransportConfig#metricRegistry()},
 * as templates relative to {@code raftwire.<store>.}. The code registers metrics only through these
 * constants, the tests read them through them, and the README's metric table lists exactly these
 * (a test compares the two).
 *
 * <p>Placeholders: {@code <destination>} a peer store ({@code s2}); {@code <lane>} {@code
 * control}, {@code append} or {@code snapshot}; {@code <stream>} {@code control} or {@code data};
 * {@code <from>} and {@code <to>} zones ({@code unknown} if a locality names none); {@code
 * <reason>} a {@code DropReason}; {@code <fallback>} why a fan-out candidate went directly; {@code
 * <zone>} a zone; {@code <priority>} {@code regular} or {@code elastic}; {@code <failure>} a {@code
 * SnapshotFailure}; {@code <problem>} how an incoming snapshot transfer broke the protocol (for
 * example {@code CHUNK_OUT_OF_ORDER}); {@code <range>} a range ({@code r7}).
 *
 * <p>Limits: every budget, window and cap the transport holds a usage gauge within is a gauge of
 * its own beside it, named as the usage gauge with the usage word ({@code charged}, {@code
 * queued}, {@code inflight}, {@code available}) replaced by {@code limit}, and linked to it by
 * {@link MetricName#limitOf()}. A limit has the usage gauge's placeholders, or fewer where it is the
 * same for all (a per-range bound has no {@code <range>}). The IO token rate is {@link
 * #IO_TOKENS_PER_INTERVAL} itself.
 */
public final class GrpcMetrics {
  private static final List<MetricName> ALL = new ArrayList<>();

  // ---------------------------------------------------------------- sender

  /** Bytes charged to the global send budget: queued or in flight, all destinations. */
  public static final MetricName SENDER_GLOBAL_CHARGED_BYTES =
      gauge("sender.global_charged_bytes", "bytes queued or unacknowledged across all destinations and lanes");
  /** The global send budget, the limit of {@link #SENDER_GLOBAL_CHARGED_BYTES}. */
  public static final MetricName SENDER_GLOBAL_LIMIT_BYTES = limit("sender.global_limit_bytes", SENDER_GLOBAL_CHARGED_BYTES,
      "TransportLimits.globalQueueBytes, read live");
  /** Bytes charged to the sender's elastic share, all destinations. */
  public static final MetricName SENDER_ELASTIC_CHARGED_BYTES = gauge("sender.elastic_charged_bytes",
      "bytes of elastic APPENDs queued or unacknowledged across all destinations");
  /** The sender's elastic share, the limit of {@link #SENDER_ELASTIC_CHARGED_BYTES}. */
  public static final MetricName SENDER_ELASTIC_LIMIT_BYTES = limit("sender.elastic_limit_bytes", SENDER_ELASTIC_CHARGED_BYTES,
      "TransportLimits.elasticGlobalQueueBytes (elasticQueueShare of globalQueueBytes), read live");
  /** Bytes waiting in one lane of one destination. */
  public static final MetricName SENDER_QUEUED_BYTES =
      gauge("sender.<destination>.<lane>.queued_bytes", "bytes waiting in the lane, not yet written");
  /** Messages waiting in one lane of one destination. */
  public static final MetricName SENDER_QUEUED_MESSAGES =
      gauge("sender.<destination>.<lane>.queued_messages", "messages waiting in the lane, not yet written");
  /** Bytes charged to one lane of one destination. */
  public static final MetricName SENDER_CHARGED_BYTES =
      gauge("sender.<destination>.<lane>.charged_bytes", "bytes charged to the lane's budget: queued or unacknowledged");
  /** The budget of one lane of one destination, the limit of {@link #SENDER_CHARGED_BYTES}. */
  public static final MetricName SENDER_LIMIT_BYTES = limit("sender.<destination>.<lane>.limit_bytes", SENDER_CHARGED_BYTES,
      "TransportLimits.controlLaneBytes, appendLaneBytes or snapshotLaneBytes, read live");
  /** Bytes of APPENDs of one priority waiting in one destination's APPEND lane. */
  public static final MetricName SENDER_APPEND_QUEUED_BYTES =
      gauge("sender.<destination>.append.<priority>.queued_bytes", "bytes of APPENDs of the priority waiting in the lane");
  /** Bytes charged to the elastic share of one destination's APPEND lane. */
  public static final MetricName SENDER_ELASTIC_LANE_CHARGED_BYTES = gauge("sender.<destination>.append.elastic.charged_bytes",
      "bytes of elastic APPENDs charged to the lane's elastic share: queued or unacknowledged");
  /** The elastic share of one destination's APPEND lane, the limit of {@link #SENDER_ELASTIC_LANE_CHARGED_BYTES}. */
  public static final MetricName SENDER_ELASTIC_LANE_LIMIT_BYTES = limit("sender.<destination>.append.elastic.limit_bytes",
      SENDER_ELASTIC_LANE_CHARGED_BYTES, "TransportLimits.elasticAppendLaneBytes, read live");
  /** Bytes charged to the elastic share of one destination's CONTROL lane. */
  public static final MetricName SENDER_ELASTIC_CONTROL_CHARGED_BYTES = gauge(
      "sender.<destination>.control.elastic.charged_bytes",
      "bytes of elastic CONTROL (background heartbeats) charged to the CONTROL lane's elastic share: queued or unacknowledged");
  /** The elastic share of one destination's CONTROL lane, the limit of {@link #SENDER_ELASTIC_CONTROL_CHARGED_BYTES}. */
  public static final MetricName SENDER_ELASTIC_CONTROL_LIMIT_BYTES = limit("sender.<destination>.control.elastic.limit_bytes",
      SENDER_ELASTIC_CONTROL_CHARGED_BYTES, "elasticQueueShare of TransportLimits.controlLaneBytes, read live");
  /** CONTROL messages to one destination refused for the CONTROL lane's budget: the lane is saturated. */
  public static final MetricName SENDER_CONTROL_SATURATED = counter("sender.<destination>.control.saturated",
      "CONTROL messages refused LANE_BUDGET (the lane or its elastic share full): the CONTROL lane is saturated");
  /** Elastic APPEND bytes written to one destination and not yet acknowledged. */
  public static final MetricName SENDER_ELASTIC_INFLIGHT_BYTES = gauge("sender.<destination>.elastic_inflight_bytes",
      "elastic APPEND bytes written and not yet acknowledged (bounded by elasticInflightBytes)");
  /** The cap on elastic APPEND bytes in flight to one destination, the limit of {@link #SENDER_ELASTIC_INFLIGHT_BYTES}. */
  public static final MetricName SENDER_ELASTIC_INFLIGHT_LIMIT_BYTES = limit("sender.<destination>.elastic_inflight_limit_bytes",
      SENDER_ELASTIC_INFLIGHT_BYTES, "GrpcTransportConfig.elasticInflightBytes");
  /** Messages {@code send} accepted into one lane of one destination. */
  public static final MetricName SENDER_ACCEPTED =
      counter("sender.<destination>.<lane>.accepted", "messages accepted into the lane");
  /** Sizes of written batches. */
  public static final MetricName SENDER_BATCH_BYTES =
      histogram("sender.<destination>.<stream>.batch_bytes", "bytes per written batch (charged sizes)");
  /** Messages per written batch. */
  public static final MetricName SENDER_BATCH_MESSAGES =
      histogram("sender.<destination>.<stream>.batch_messages", "messages per written batch");
  /** How long the oldest message of each written batch waited in its lane. */
  public static final MetricName SENDER_QUEUE_WAIT =
      timer("sender.<destination>.<stream>.queue_wait", "time from send to write of each batch's oldest message");
  /** Times a destination's breaker opened. */
  public static final MetricName SENDER_RECONNECTS =
      counter("sender.<destination>.reconnects", "failures that opened the destination's breaker");
  /** The breaker state of a destination. */
  public static final MetricName SENDER_BREAKER =
      gauge("sender.<destination>.breaker", "breaker state: 0 unknown, 1 healthy, 2 probing, 3 down");
  /** Probes of a destination brought forward because it said hello while its breaker was open. */
  public static final MetricName SENDER_REDIALS_ON_HELLO = counter("sender.<destination>.redials_on_hello",
      "probes brought forward: the destination said hello on its own stream while its breaker was open");
  /** Serialized bytes written between two zones. */
  public static final MetricName SENDER_ZONE_BYTES =
      counter("sender.zone_bytes.<from>.<to>", "serialized bytes written on all streams, by the zones of the two stores");
  /** The part of {@link #SENDER_ZONE_BYTES} written on DATA streams. */
  public static final MetricName SENDER_ZONE_DATA_BYTES =
      counter("sender.zone_data_bytes.<from>.<to>", "serialized bytes written on DATA streams (APPEND and SNAPSHOT)");
  /** Messages {@code send} refused, by reason. */
  public static final MetricName SENDER_REFUSED =
      counter("sender.refused.<reason>", "messages send refused, by reason");
  /** Messages dropped after {@code send} accepted them, by reason. */
  public static final MetricName SENDER_DROPPED =
      counter("sender.dropped.<reason>", "accepted messages that were not delivered, by reason");
  /** Drop listeners that threw. */
  public static final MetricName SENDER_LISTENER_FAILURES =
      counter("sender.listener_failures", "drop listener calls that threw");
  /** Bytes of drop notices waiting for the drop listeners (their budget's charge). */
  public static final MetricName SENDER_DROP_NOTICES_QUEUED_BYTES =
      gauge("sender.drop_notices.queued_bytes", "bytes of drop notices waiting for the drop listeners");
  /** The drop notices' budget, the limit of {@link #SENDER_DROP_NOTICES_QUEUED_BYTES}. */
  public static final MetricName SENDER_DROP_NOTICES_LIMIT_BYTES = limit("sender.drop_notices.limit_bytes",
      SENDER_DROP_NOTICES_QUEUED_BYTES, "GrpcTransportConfig.dropNoticeBudgetBytes");
  /** Drop notices that went to the listeners without their message, to stay within budget. */
  public static final MetricName SENDER_DROP_NOTICES_SUMMARIZED =
      counter("sender.drop_notices.summarized", "drop notices delivered without their message (budget)");
  /** Drops folded into a waiting notice of the same range, replica, class and reason. */
  public static final MetricName SENDER_DROP_NOTICES_COALESCED = counter("sender.drop_notices.coalesced",
      "drops folded into a waiting notice of the same range, replica, class and reason (reported by it)");
  /** Drop notices not delivered because the notice budget was full. */
  public static final MetricName SENDER_DROP_NOTICES_OVERFLOW =
      counter("sender.drop_notices.overflow", "drop notices not delivered: the notice budget was full");
  /** Bytes of coalesced heartbeats queued for one destination, not yet written. */
  public static final MetricName SENDER_HEARTBEATS_QUEUED_BYTES = gauge("sender.<destination>.heartbeats.queued_bytes",
      "bytes of coalesced heartbeats queued for the destination, not yet written");
  /** One destination's heartbeat budget, the limit of {@link #SENDER_HEARTBEATS_QUEUED_BYTES}. */
  public static final MetricName SENDER_HEARTBEATS_LIMIT_BYTES = limit("sender.<destination>.heartbeats.limit_bytes",
      SENDER_HEARTBEATS_QUEUED_BYTES, "GrpcTransportConfig.heartbeatQueueBytes: bounds the heartbeat bytes queued or unacknowledged");
  /** Bytes charged to the destinations' heartbeat budgets, all destinations. */
  public static final MetricName SENDER_HEARTBEATS_CHARGED_BYTES = gauge("sender.heartbeats.charged_bytes",
      "bytes of coalesced heartbeats queued or unacknowledged, all destinations (each bounded by heartbeatQueueBytes)");
  /** Coalesced heartbeats accepted. */
  public static final MetricName SENDER_HEARTBEATS_ACCEPTED =
      counter("sender.heartbeats.accepted", "coalesced heartbeats accepted for sending");
  /** Accepted heartbeats that replaced a queued one of the same range and replicas. */
  public static final MetricName SENDER_HEARTBEATS_COALESCED = counter("sender.heartbeats.coalesced",
      "accepted heartbeats that replaced an unsent one of the same range, sender and receiver");
  /** Heartbeats refused because the destination's heartbeat budget was full: saturation. */
  public static final MetricName SENDER_HEARTBEATS_REFUSED = counter("sender.heartbeats.refused",
      "heartbeats refused LANE_BUDGET: the destination's heartbeat budget is full (raise heartbeatQueueBytes)");
  /** Heartbeat flushes (and beacons) written, each one wire message with one sequence number. */
  public static final MetricName SENDER_HEARTBEATS_FLUSHES =
      counter("sender.heartbeats.flushes", "heartbeat flushes and liveness beacons taken for writing");
  /** Accepted heartbeats reported undelivered to this store's heartbeat handler. */
  public static final MetricName SENDER_HEARTBEATS_UNDELIVERED = counter("sender.heartbeats.undelivered",
      "accepted heartbeats reported undelivered to this store's heartbeat handler");
  /** Undelivered heartbeats that could not be reported: no handler registered, or the notice budget full. */
  public static final MetricName SENDER_HEARTBEATS_UNREPORTED = counter("sender.heartbeats.unreported",
      "undelivered heartbeats not reported: no heartbeat handler registered, or the notice budget was full");
  /** Fan-out members this store relayed to a store of its zone. */
  public static final MetricName SENDER_RELAYED =
      counter("sender.relayed", "fan-out members this store relayed to a store of its zone");
  /** Relayed messages that were not delivered, by reason. */
  public static final MetricName SENDER_RELAY_DROPPED =
      counter("sender.relay_dropped.<reason>", "fan-out members this store could not relay, by reason");

  // ---------------------------------------------------------------- zone fan-out, sending side

  /** Bundles sent to zone agents. */
  public static final MetricName FANOUT_BATCHES = counter("sender.fanout.batches", "bundles sent to a zone agent");
  /** APPENDs that travelled in bundles. */
  public static final MetricName FANOUT_MEMBERS = counter("sender.fanout.members", "APPENDs that travelled in bundles");
  /** Entries sent once instead of once per member. */
  public static final MetricName FANOUT_ENTRIES_DEDUPLICATED =
      counter("sender.fanout.entries_deduplicated", "entries a bundle carried once instead of once per member");
  /** Bytes bundles saved against sending their members directly. */
  public static final MetricName FANOUT_BYTES_SAVED =
      counter("sender.fanout.bytes_saved", "charged bytes of the members minus the bundle's size, for bundles smaller than their members");
  /**
   * Bytes bundles cost beyond their members' charged bytes (members with few entries in common),
   * so that {@link #FANOUT_BYTES_SAVED} minus this is the net saving and neither counter decreases.
   */
  public static final MetricName FANOUT_BYTES_ADDED =
      counter("sender.fanout.bytes_added", "bundle size minus the members' charged bytes, for bundles larger than their members");
  /** Bundles sent by the linger timer. */
  public static final MetricName FANOUT_LINGERED =
      counter("sender.fanout.lingered", "bundles sent because their linger time ran out");
  /** Candidates sent directly after all, by why. */
  public static final MetricName FANOUT_FALLBACKS =
      counter("sender.fanout.fallbacks.<fallback>", "fan-out candidates sent directly, by why");
  /** Changes of a zone's agent. */
  public static final MetricName FANOUT_AGENT_CHANGES =
      counter("sender.fanout.agent_changes", "times a zone's agent was replaced");
  /** The agent of a zone. */
  public static final MetricName FANOUT_AGENT = gauge("sender.fanout.agent.<zone>", "the zone's agent store id (0: none)");
  /** Followers whose replication is tracked for bundling. */
  public static final MetricName FANOUT_TRACKED_FOLLOWERS =
      gauge("sender.fanout.tracked_followers", "(range, follower) pairs whose replication is tracked");
  /** Bundles waiting for members. */
  public static final MetricName FANOUT_PENDING_BUNDLES =
      gauge("sender.fanout.pending_bundles", "bundles waiting for members");

  // ---------------------------------------------------------------- receiver

  /** Bytes of APPEND and SNAPSHOT messages queued for delivery. */
  public static final MetricName RECEIVER_QUEUED_APPEND_BYTES =
      gauge("receiver.queued_bytes.append", "bytes of APPEND and SNAPSHOT messages queued for delivery");
  /** The receive budget, the limit of {@link #RECEIVER_QUEUED_APPEND_BYTES}. */
  public static final MetricName RECEIVER_LIMIT_APPEND_BYTES = limit("receiver.limit_bytes.append", RECEIVER_QUEUED_APPEND_BYTES,
      "ReceiverLimits.receiveBudgetBytes, read live");
  /** Bytes of CONTROL messages queued for delivery. */
  public static final MetricName RECEIVER_QUEUED_CONTROL_BYTES =
      gauge("receiver.queued_bytes.control", "bytes of CONTROL messages queued for delivery");
  /** The CONTROL receive budget, the limit of {@link #RECEIVER_QUEUED_CONTROL_BYTES}. */
  public static final MetricName RECEIVER_LIMIT_CONTROL_BYTES = limit("receiver.limit_bytes.control", RECEIVER_QUEUED_CONTROL_BYTES,
      "ReceiverLimits.controlBudgetBytes, read live");
  /** Bytes of elastic APPEND messages queued for delivery (part of the APPEND bytes). */
  public static final MetricName RECEIVER_QUEUED_ELASTIC_BYTES = gauge("receiver.queued_bytes.elastic",
      "bytes of elastic APPEND messages queued for delivery (part of queued_bytes.append)");
  /** The elastic receive share, the limit of {@link #RECEIVER_QUEUED_ELASTIC_BYTES}. */
  public static final MetricName RECEIVER_LIMIT_ELASTIC_BYTES = limit("receiver.limit_bytes.elastic", RECEIVER_QUEUED_ELASTIC_BYTES,
      "ReceiverLimits.elasticReceiveBudgetBytes, read live");
  /** Bytes of elastic CONTROL messages queued for delivery (part of the CONTROL bytes). */
  public static final MetricName RECEIVER_QUEUED_ELASTIC_CONTROL_BYTES = gauge("receiver.queued_bytes.control_elastic",
      "bytes of elastic CONTROL messages queued for delivery (part of queued_bytes.control)");
  /** The elastic CONTROL receive share, the limit of {@link #RECEIVER_QUEUED_ELASTIC_CONTROL_BYTES}. */
  public static final MetricName RECEIVER_LIMIT_ELASTIC_CONTROL_BYTES = limit("receiver.limit_bytes.control_elastic",
      RECEIVER_QUEUED_ELASTIC_CONTROL_BYTES, "elasticReceiveShare of ReceiverLimits.controlBudgetBytes, read live");
  /** Messages queued for delivery. */
  public static final MetricName RECEIVER_QUEUED_MESSAGES =
      gauge("receiver.queued_messages", "messages queued for delivery");
  /** APPEND and SNAPSHOT bytes queued for one range: the ranges with the most queued, see {@link GrpcTransportConfig#rangeQueueGauges()}. */
  public static final MetricName RECEIVER_RANGE_QUEUED_APPEND_BYTES = gauge("receiver.range.<range>.queued_bytes.append",
      "bytes of APPEND and SNAPSHOT messages queued for the range; only the rangeQueueGauges ranges with the most bytes queued (append and control) have it, chosen anew every second");
  /** CONTROL bytes queued for one range, for the same ranges as {@link #RECEIVER_RANGE_QUEUED_APPEND_BYTES}. */
  public static final MetricName RECEIVER_RANGE_QUEUED_CONTROL_BYTES = gauge("receiver.range.<range>.queued_bytes.control",
      "bytes of CONTROL messages queued for the range; the same ranges as `receiver.range.<range>.queued_bytes.append`");
  /** The per-range APPEND queue bound, the limit of {@link #RECEIVER_RANGE_QUEUED_APPEND_BYTES}. */
  public static final MetricName RECEIVER_RANGE_LIMIT_APPEND_BYTES = limit("receiver.range_limit_bytes.append",
      RECEIVER_RANGE_QUEUED_APPEND_BYTES, "ReceiverLimits.rangeAppendQueueBytes, the same for every range, read live");
  /** The per-range CONTROL queue bound, the limit of {@link #RECEIVER_RANGE_QUEUED_CONTROL_BYTES}. */
  public static final MetricName RECEIVER_RANGE_LIMIT_CONTROL_BYTES = limit("receiver.range_limit_bytes.control",
      RECEIVER_RANGE_QUEUED_CONTROL_BYTES, "ReceiverLimits.rangeControlQueueBytes, the same for every range, read live");
  /** Ranges waiting for a worker. */
  public static final MetricName RECEIVER_SCHEDULER_BACKLOG =
      gauge("receiver.scheduler_backlog", "ranges waiting for a worker");
  /** Inbound streams open. */
  public static final MetricName RECEIVER_OPEN_STREAMS = gauge("receiver.open_streams", "inbound streams open");
  /** Arriving or queued messages refused, by reason. */
  public static final MetricName RECEIVER_DROPPED =
      counter("receiver.dropped.<reason>", "inbound messages refused on arrival or after queueing, by reason");
  /** Worker wake-ups: a waiting worker notified because ranges became ready. */
  public static final MetricName RECEIVER_SCHEDULER_WAKEUPS = counter("receiver.scheduler.wakeups",
      "waiting workers woken because ranges became ready (one per idle worker needed, not per range)");
  /** Handler calls (each delivers one batch of one range). */
  public static final MetricName RECEIVER_DELIVERIES =
      counter("receiver.deliveries", "handler calls, each with one batch of one range");
  /** Messages handed to handlers. */
  public static final MetricName RECEIVER_DELIVERED_MESSAGES =
      counter("receiver.delivered_messages", "messages handed to the ranges' handlers");
  /** Arrival to handler call of each delivered batch's oldest message, sampled. */
  public static final MetricName RECEIVER_DELIVER_LATENCY = timer("receiver.deliver_latency",
      "time from arrival to handler call of a batch's oldest message, sampled: one handler call in 16");
  /** Time spent in handlers, sampled. */
  public static final MetricName RECEIVER_HANDLER_TIME =
      timer("receiver.handler_time", "time spent in handler calls, sampled: one call in 16");
  /** Handler calls that threw. */
  public static final MetricName RECEIVER_HANDLER_FAILURES =
      counter("receiver.handler_failures", "handler calls that threw (their batch is refused HANDLER_FAILED)");
  /** Bytes of coalesced heartbeats waiting for the store's heartbeat handler. */
  public static final MetricName RECEIVER_HEARTBEATS_QUEUED_BYTES = gauge("receiver.heartbeats.queued_bytes",
      "bytes of coalesced heartbeats waiting for the heartbeat handler (bounded by heartbeatReceiveBytes)");
  /** The heartbeat receive budget, the limit of {@link #RECEIVER_HEARTBEATS_QUEUED_BYTES}. */
  public static final MetricName RECEIVER_HEARTBEATS_LIMIT_BYTES = limit("receiver.heartbeats.limit_bytes",
      RECEIVER_HEARTBEATS_QUEUED_BYTES, "GrpcTransportConfig.heartbeatReceiveBytes");
  /** Heartbeats handed to the store's heartbeat handler. */
  public static final MetricName RECEIVER_HEARTBEATS_DELIVERED =
      counter("receiver.heartbeats.delivered", "coalesced heartbeats handed to the heartbeat handler");
  /** Calls of the heartbeat handler's deliver: one per arriving heartbeat message. */
  public static final MetricName RECEIVER_HEARTBEATS_DELIVERIES =
      counter("receiver.heartbeats.deliveries", "heartbeat handler calls, one per arriving heartbeat message");
  /** Heartbeat handler calls that threw. */
  public static final MetricName RECEIVER_HEARTBEATS_HANDLER_FAILURES = counter("receiver.heartbeats.handler_failures",
      "heartbeat handler calls that threw (their heartbeats count as delivered)");
  /** Queued heartbeats discarded because the handler was unregistered or the transport closed. */
  public static final MetricName RECEIVER_HEARTBEATS_DISCARDED = counter("receiver.heartbeats.discarded",
      "queued heartbeats discarded when the heartbeat handler was unregistered or the transport closed");
  /** Peer stores heard from within the liveness timeout. */
  public static final MetricName LIVENESS_LIVE_STORES =
      gauge("liveness.live_stores", "peer stores heard from within the liveness timeout");
  /** Streams ended for breaking the protocol, by error. */
  public static final MetricName RECEIVER_PROTOCOL_ERRORS =
      counter("receiver.protocol_errors.<error>", "inbound streams ended for breaking the protocol, by error");
  /** Late refusals that could not be reported. */
  public static final MetricName RECEIVER_UNREPORTED_REFUSALS =
      counter("receiver.unreported_refusals", "late refusals not reported: their stream was gone or over its budget");
  /** Credit returns for a leader without an open stream. */
  public static final MetricName RECEIVER_NOTICES_WITHOUT_STREAM =
      counter("receiver.notices_without_stream", "credit returns for a leader with no open DATA stream");
  /** Messages another store relayed here as a zone fan-out agent. */
  public static final MetricName RECEIVER_RELAYED_IN =
      counter("receiver.relayed_in", "messages a zone fan-out agent relayed to this store");

  // ---------------------------------------------------------------- zone fan-out, agent side

  /** Bundles received as a zone's agent. */
  public static final MetricName AGENT_BUNDLES = counter("receiver.fanout.bundles", "bundles received as a zone agent");
  /** Bundle members for this store. */
  public static final MetricName AGENT_DELIVERED_LOCALLY =
      counter("receiver.fanout.delivered_locally", "bundle members addressed to this store and queued here");
  /** Bundle members relayed to another store of the zone. */
  public static final MetricName AGENT_FORWARDED =
      counter("receiver.fanout.forwarded", "bundle members handed to this store's sender for relay");
  /** Bundle members refused, by reason. */
  public static final MetricName AGENT_MEMBER_REFUSED =
      counter("receiver.fanout.member_refused.<reason>", "bundle members refused here or by the relay, by reason");

  // ---------------------------------------------------------------- credits and IO admission

  /** Regular credits left on a stream. */
  public static final MetricName CREDITS_REGULAR_AVAILABLE =
      gauge("credits.<destination>.regular_available", "regular credits left on the stream (negative: in debt)");
  /** Elastic credits left on a stream. */
  public static final MetricName CREDITS_ELASTIC_AVAILABLE =
      gauge("credits.<destination>.elastic_available", "elastic credits left on the stream (negative: in debt)");
  /** The regular credit window of a stream, the limit {@link #CREDITS_REGULAR_AVAILABLE} counts down from. */
  public static final MetricName CREDITS_REGULAR_LIMIT_BYTES = limit("credits.<destination>.regular_limit_bytes",
      CREDITS_REGULAR_AVAILABLE, "AdmissionConfig.regularCreditBytes: the window; limit minus available is in use");
  /** The elastic credit window of a stream, the limit {@link #CREDITS_ELASTIC_AVAILABLE} counts down from. */
  public static final MetricName CREDITS_ELASTIC_LIMIT_BYTES = limit("credits.<destination>.elastic_limit_bytes",
      CREDITS_ELASTIC_AVAILABLE, "AdmissionConfig.elasticCreditBytes: the window; limit minus available is in use");
  /** Bytes deducted from a stream. */
  public static final MetricName CREDITS_DEDUCTED_BYTES =
      gauge("credits.<destination>.deducted_bytes", "bytes deducted from the stream since start");
  /** Bytes returned to a stream. */
  public static final MetricName CREDITS_RETURNED_BYTES =
      gauge("credits.<destination>.returned_bytes", "bytes returned to the stream since start");
  /** Proposals waiting on a stream. */
  public static final MetricName CREDITS_WAITERS = gauge("credits.<destination>.waiters", "proposals waiting on the stream");
  /** The least round trip of a stream's last tuning interval (credit auto-tuning only). */
  public static final MetricName CREDITS_ROUND_TRIP_NANOS = gauge("credits.<destination>.round_trip_nanos",
      "least round trip of the DATA stream in the last tuning interval, ns (0: not measured; auto-tuning only)");
  /** The scale auto-tuning gives a stream's windows over the configured ones. */
  public static final MetricName CREDITS_WINDOW_SCALE = gauge("credits.<destination>.window_scale",
      "the scale of the stream's windows over the configured ones (1 unless auto-tuning grew them)");
  /** Bytes deducted and waiting for admission notices. */
  public static final MetricName CREDITS_TRACKED_BYTES =
      gauge("credits.tracked_bytes", "bytes deducted and waiting for the followers' admission notices");
  /** Deductions that neither the tracker nor a return explains: must stay zero. */
  public static final MetricName CREDITS_UNACCOUNTED_BYTES =
      gauge("credits.unaccounted_bytes", "credits missing from the streams but not tracked: a leak; must be 0");
  /** Streams on which some priority cannot proceed. */
  public static final MetricName CREDITS_BLOCKED_STREAMS =
      gauge("credits.blocked_streams", "streams without elastic credits left");
  /** How long proposals waited for credits. */
  public static final MetricName CREDITS_WAIT =
      timer("credits.wait.<priority>", "time admitted proposals waited for credits");
  /** IO tokens per interval at the current (smoothed) rate, by priority. */
  public static final MetricName IO_TOKENS_PER_INTERVAL = gauge("io.tokens_per_interval.<priority>",
      "IO tokens (bytes) per interval at the current rate; Long.MAX_VALUE while unconstrained");
  /** IO tokens available now, by priority. */
  public static final MetricName IO_AVAILABLE_BYTES =
      gauge("io.available_bytes.<priority>", "IO tokens available now; negative in debt, 0 while unconstrained");
  /** Bytes regular work borrowed ahead of its IO tokens. */
  public static final MetricName IO_DEBT_BYTES =
      gauge("io.debt_bytes", "bytes regular work has borrowed ahead of its IO tokens");
  /** IO tokens granted, by priority. */
  public static final MetricName IO_GRANTED_BYTES = gauge("io.granted_bytes.<priority>", "IO tokens granted since start");
  /** Work waiting for IO tokens, by priority. */
  public static final MetricName IO_QUEUE_LENGTH = gauge("io.queue_length.<priority>", "work items waiting for IO tokens");
  /** Logical admission delay, by priority. */
  public static final MetricName IO_ADMISSION_DELAY =
      timer("io.admission_delay.<priority>", "time work waited for IO tokens");

  // ---------------------------------------------------------------- snapshots

  /** Snapshot bytes sent. */
  public static final MetricName SNAPSHOT_SENT_BYTES = counter("snapshot.sent_bytes", "snapshot bytes sent");
  /** Snapshot bytes received and staged. */
  public static final MetricName SNAPSHOT_RECEIVED_BYTES = counter("snapshot.received_bytes", "snapshot bytes received and staged");
  /** Bytes a resumed transfer did not send again. */
  public static final MetricName SNAPSHOT_RESUMED_BYTES =
      counter("snapshot.resumed_bytes", "staged bytes a resumed transfer kept");
  /** Snapshots installed here. */
  public static final MetricName SNAPSHOT_INSTALLED = counter("snapshot.installed", "snapshots installed on this store");
  /** Transfers this store sent that were installed. */
  public static final MetricName SNAPSHOT_SENT = counter("snapshot.sent", "transfers this store sent that the recipient installed");
  /** Transfers this store sent that failed, by failure. */
  public static final MetricName SNAPSHOT_FAILED = counter("snapshot.failed.<failure>", "transfers this store sent that failed");
  /** Transfers this store refused, by failure. */
  public static final MetricName SNAPSHOT_REFUSED = counter("snapshot.refused.<failure>", "transfers this store refused");
  /** Chunks that failed their checksum. */
  public static final MetricName SNAPSHOT_CORRUPT_CHUNKS = counter("snapshot.corrupt_chunks", "chunks that failed their CRC32C");
  /** Staged snapshots that failed the whole-file checksum. */
  public static final MetricName SNAPSHOT_CORRUPT_SNAPSHOTS =
      counter("snapshot.corrupt_snapshots", "staged snapshots whose size or CRC32C did not match the offer");
  /** Transfer attempts after a broken stream or a corrupt file. */
  public static final MetricName SNAPSHOT_RETRIES = counter("snapshot.retries", "transfer attempts after the first");
  /** Receiving slots in use. */
  public static final MetricName SNAPSHOT_SLOTS_ACTIVE = gauge("snapshot.slots.active", "receiving slots in use");
  /** The receiving slots, the limit of {@link #SNAPSHOT_SLOTS_ACTIVE}. */
  public static final MetricName SNAPSHOT_SLOTS_LIMIT = limit("snapshot.slots.limit", SNAPSHOT_SLOTS_ACTIVE,
      "SnapshotConfig.concurrentTransfers");
  /** Transfers waiting for a receiving slot. */
  public static final MetricName SNAPSHOT_SLOTS_QUEUED = gauge("snapshot.slots.queued", "transfers waiting for a receiving slot");
  /** Chunk bytes of incoming transfers held in memory. */
  public static final MetricName SNAPSHOT_HELD_BYTES = gauge("snapshot.held_bytes",
      "chunk bytes received and not yet written to the spool, all incoming transfers (each within receiveWindowBytes)");
  /** The most chunk bytes incoming transfers may hold, the limit of {@link #SNAPSHOT_HELD_BYTES}. */
  public static final MetricName SNAPSHOT_HELD_LIMIT_BYTES = limit("snapshot.held_limit_bytes", SNAPSHOT_HELD_BYTES,
      "SnapshotConfig.concurrentTransfers times receiveWindowBytes");
  /** Bytes of broken transfers' stages kept for a resume. */
  public static final MetricName SNAPSHOT_RETAINED_STAGE_BYTES = gauge("snapshot.retained_stage_bytes",
      "bytes of broken transfers' partial stages kept for a resume (within maxRetainedStageBytes)");
  /** The bytes of stages kept for resumes, the limit of {@link #SNAPSHOT_RETAINED_STAGE_BYTES}. */
  public static final MetricName SNAPSHOT_RETAINED_STAGE_LIMIT_BYTES = limit("snapshot.retained_stage_limit_bytes",
      SNAPSHOT_RETAINED_STAGE_BYTES, "SnapshotConfig.maxRetainedStageBytes");
  /** Snapshot service requests that did not parse. */
  public static final MetricName SNAPSHOT_MALFORMED_FRAMES = counter("snapshot.malformed_frames",
      "transfer and delegation frames that did not parse (the stream ends INVALID_ARGUMENT)");
  /** Transfers refused for breaking the protocol, by problem. */
  public static final MetricName SNAPSHOT_PROTOCOL_ERRORS = counter("snapshot.protocol_errors.<problem>",
      "incoming transfers refused INVALID for a frame out of place or out of range, by problem");
  /** Transfers and delegation requests refused for naming another store than their connection's. */
  public static final MetricName SNAPSHOT_IDENTITY_REFUSED = counter("snapshot.identity_refused.<reason>",
      "transfers and delegation requests refused PERMISSION_DENIED: the sender or leader they name is not the store of their TLS connection, or the store was taken off the allow-list mid-transfer, by reason");
  /** Cache hits. */
  public static final MetricName SNAPSHOT_CACHE_HITS = gauge("snapshot.cache.hits", "transfers served a cached snapshot");
  /** Cache misses. */
  public static final MetricName SNAPSHOT_CACHE_MISSES = gauge("snapshot.cache.misses", "snapshots generated for a transfer");
  /** Cached snapshots dropped for being older than the log start. */
  public static final MetricName SNAPSHOT_CACHE_STALE =
      gauge("snapshot.cache.stale", "cached snapshots dropped for being older than the range's log start");
  /** Bytes of cached snapshots. */
  public static final MetricName SNAPSHOT_CACHE_BYTES = gauge("snapshot.cache.bytes", "bytes of cached snapshots");
  /** The snapshot cache's size, the limit of {@link #SNAPSHOT_CACHE_BYTES}. */
  public static final MetricName SNAPSHOT_CACHE_LIMIT_BYTES = limit("snapshot.cache.limit_bytes", SNAPSHOT_CACHE_BYTES,
      "SnapshotConfig.cacheBytes");
  /** Snapshot bytes sent between two zones. */
  public static final MetricName SNAPSHOT_ZONE_BYTES =
      counter("snapshot.zone_bytes.<from>.<to>", "snapshot bytes sent, by the zones of the two stores");
  /** Requests to delegates. */
  public static final MetricName DELEGATION_ASKED = counter("snapshot.delegation.asked", "requests this leader sent to delegates");
  /** Snapshots a delegate installed in the leader's place. */
  public static final MetricName DELEGATION_DELEGATED =
      counter("snapshot.delegation.delegated", "snapshots a delegate installed in this leader's place");
  /** Delegates that said no, by failure. */
  public static final MetricName DELEGATION_REFUSED =
      counter("snapshot.delegation.refused.<failure>", "delegates that refused, by failure");
  /** Accepted delegations whose transfer failed, by failure. */
  public static final MetricName DELEGATION_FAILED =
      counter("snapshot.delegation.failed.<failure>", "delegates that accepted and then failed, by failure");
  /** Delegates that did not answer in time. */
  public static final MetricName DELEGATION_TIMEOUTS =
      counter("snapshot.delegation.timeouts", "delegates that did not answer within the accept timeout");
  /** Sends the leader made itself after every candidate failed. */
  public static final MetricName DELEGATION_LEADER_SENDS =
      counter("snapshot.delegation.leader_sends", "sends the leader made itself after every candidate failed");
  /** Sends with no replica closer to the recipient than the leader. */
  public static final MetricName DELEGATION_NO_CANDIDATE =
      counter("snapshot.delegation.no_candidate", "sends with no replica closer to the recipient than the leader");
  /** Delegation requests this store accepted. */
  public static final MetricName DELEGATE_ACCEPTED = counter("snapshot.delegate.accepted", "delegation requests this store accepted");
  /** Delegation requests this store refused, by failure. */
  public static final MetricName DELEGATE_REFUSED =
      counter("snapshot.delegate.refused.<failure>", "delegation requests this store refused, by failure");
  /** Delegated sends in progress. */
  public static final MetricName DELEGATE_ACTIVE = gauge("snapshot.delegate.active", "delegated sends in progress here");

  // ---------------------------------------------------------------- peer security

  /** Peers refused during the TLS handshake, by reason. */
  public static final MetricName SECURITY_HANDSHAKE_REFUSED =
      counter("security.handshake_refused.<reason>", "peer certificates refused during the TLS handshake, by reason");
  /** Calls refused on authenticated connections before they reached a service, by reason. */
  public static final MetricName SECURITY_CALL_REFUSED =
      counter("security.call_refused.<reason>", "calls refused on a TLS connection before any service saw them, by reason");
  /** Reloads of changed certificate, key or trust files that took effect. */
  public static final MetricName SECURITY_RELOADS =
      counter("security.reloads", "changed certificate, key or trust files loaded and in force");
  /** Reloads refused, the old material staying in force. */
  public static final MetricName SECURITY_RELOAD_FAILURES =
      counter("security.reload_failures", "changed TLS files that were refused (the old material stays)");
  /** Seconds until this store's certificate expires. */
  public static final MetricName SECURITY_CERTIFICATE_EXPIRY =
      gauge("security.certificate_expiry_seconds", "seconds until this store's certificate expires (negative: expired)");

  // ---------------------------------------------------------------- the transport itself

  /** Timer tasks of the transport's timebase that threw. */
  public static final MetricName TIMEBASE_TASK_FAILURES =
      gauge("timebase.task_failures", "timer tasks that threw (each is logged)");

  private GrpcMetrics() {}

  /** {@return every metric name, in the order of this class, as an unmodifiable list} */
  public static List<MetricName> all() {
    return Collections.unmodifiableList(ALL);
  }

  private static MetricName counter(String template, String help) {
    return add(new MetricName(template, Kind.COUNTER, help));
  }

  private static MetricName gauge(String template, String help) {
    return add(new MetricName(template, Kind.GAUGE, help));
  }

  private static MetricName limit(String template, MetricName usage, String help) {
    return add(new MetricName(template, Kind.GAUGE, "limit of `" + usage.template() + "`: " + help, usage));
  }

  private static MetricName timer(String template, String help) {
    return add(new MetricName(template, Kind.TIMER, help));
  }

  private static MetricName histogram(String template, String help) {
    return add(new MetricName(template, Kind.HISTOGRAM, help));
  }

  private static MetricName add(MetricName name) {
    ALL.add(name);
    return name;
  }
}
