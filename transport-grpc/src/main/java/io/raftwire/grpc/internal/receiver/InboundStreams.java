package io.raftwire.grpc.internal.receiver;

import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.raftwire.grpc.GrpcMetrics;
import io.raftwire.grpc.internal.metrics.StoreMetrics;
import io.raftwire.grpc.internal.wire.RaftWireGrpc;
import io.raftwire.grpc.internal.wire.ServerFrame;
import io.raftwire.grpc.internal.wire.WireCodec;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropReason;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The open inbound streams of one store, and the newest DATA stream from each sending store:
 * credit returns and echoes of relayed drops for that store ride there. Creates the gRPC service
 * whose calls become {@link StreamIntake}s. Thread-safe.
 */
public final class InboundStreams implements AutoCloseable {
  private final StoreId local;
  private final SenderRules rules;
  private final int maxStreamsPerPeer;
  private final ReceiverMetrics counters;
  private final Set<StreamIntake> streams = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<StoreId, StreamIntake> dataStreams = new ConcurrentHashMap<>();
  /** Streams past their hello, per sending store. */
  private final ConcurrentHashMap<StoreId, Integer> perSender = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param rules who may send what
   * @param maxStreamsPerPeer most streams past their hello one sending store may have open
   */
  public InboundStreams(StoreId local, SenderRules rules, int maxStreamsPerPeer, ReceiverMetrics counters,
      StoreMetrics metrics) {
    this.local = local;
    this.rules = rules;
    this.maxStreamsPerPeer = maxStreamsPerPeer;
    this.counters = counters;
    metrics.gauge(GrpcMetrics.RECEIVER_OPEN_STREAMS, streams::size);
  }

  /**
   * The gRPC service to add to the server.
   *
   * @param maxFrameBytes the server's inbound frame limit, announced to every sender
   * @param intake where arriving messages are queued
   * @param bundles where zone fan-out bundles go
   * @param heartbeats where coalesced heartbeats go, and who is told of every frame's sender
   * @param hellos told of every stream whose hello passed the checks
   */
  public ServerServiceDefinition service(long maxFrameBytes, Intake intake, BundleSink bundles,
      HeartbeatIntake heartbeats, VerifiedHellos hellos) {
    return ServerServiceDefinition.builder(RaftWireGrpc.SERVICE_NAME)
        .addMethod(
            WireCodec.rawServerMethod(),
            ServerCalls.asyncBidiStreamingCall(
                responses -> {
                  StreamIntake stream = new StreamIntake(local, maxFrameBytes, rules.authenticatedPeer(), rules, this,
                      intake, bundles, heartbeats, hellos, counters, (ServerCallStreamObserver<ServerFrame>) responses);
                  streams.add(stream);
                  if (closed) {
                    stream.shutdown();
                  }
                  return stream;
                }))
        .build();
  }

  /**
   * A message this store relayed for {@code relayed.from().store()} was dropped: tell that store on
   * its newest DATA stream here (counted as unreported if it has none). Any thread.
   */
  public void echoToWriter(RaftEnvelope relayed, DropReason reason) {
    StreamIntake stream = dataStreams.get(relayed.from().store());
    if (stream == null) {
      counters.unreportedRefusals.inc();
      return;
    }
    stream.refuseLate(relayed, WireCodec.relayRefusalCode(reason));
  }

  /** The newest DATA stream from {@code sender}, or null. */
  @Nullable StreamIntake dataStream(StoreId sender) {
    return dataStreams.get(sender);
  }

  /** The newest DATA stream of every sending store. */
  Collection<StreamIntake> dataStreams() {
    return dataStreams.values();
  }

  /**
   * Counts {@code stream}, whose hello named its sender, under that sender; false (and not
   * counted) if the sender has {@code maxStreamsPerPeer} open already.
   */
  boolean helloed(StreamIntake stream) {
    StoreId sender = Objects.requireNonNull(stream.sender(), "sender");
    boolean[] counted = {false};
    perSender.compute(sender, (s, open) -> {
      int now = open == null ? 0 : open;
      if (now >= maxStreamsPerPeer) {
        return open;
      }
      counted[0] = true;
      return now + 1;
    });
    if (counted[0]) {
      stream.counted = true;
    }
    return counted[0];
  }

  /** Ends every stream whose sender {@code rules} no longer allows (after an allow-list change). */
  public void endStreamsOfRefusedSenders() {
    for (StreamIntake stream : streams) {
      StoreId sender = stream.sender();
      if (sender != null && !rules.allowed(sender)) {
        stream.fail(ProtocolError.SENDER_NOT_ALLOWED, sender + " was taken off the allow-list");
      }
    }
  }

  void dataStreamOpened(StoreId sender, StreamIntake stream) {
    dataStreams.put(sender, stream);
  }

  void ended(StreamIntake stream) {
    if (!streams.remove(stream)) {
      return; // ended before
    }
    StoreId sender = stream.sender();
    if (sender != null) {
      dataStreams.remove(sender, stream);
      if (stream.counted) {
        perSender.computeIfPresent(sender, (s, open) -> open <= 1 ? null : open - 1);
      }
    }
  }

  /** Ends every stream from this side (after flushing what is pending); later streams end at once. */
  @Override
  public void close() {
    closed = true;
    for (StreamIntake stream : streams) {
      stream.shutdown();
    }
  }
}
