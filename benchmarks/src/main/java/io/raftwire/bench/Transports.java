package io.raftwire.bench;

import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.RaftTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Creates a sender and a receiver of one transport kind, connected on 127.0.0.1. */
final class Transports implements AutoCloseable {
  static final StoreId SENDER = StoreId.of(1);
  static final StoreId RECEIVER = StoreId.of(2);

  final String kind;
  final RaftTransport sender;
  final RaftTransport receiver;
  private final Optional<BenchPki> pki;
  private final String tls;

  /**
   * @param kind {@code raftwire} (plaintext), {@code raftwire-tls} (mutual TLS, with certificates
   *     made now and deleted on close), {@code fifo} or {@code unary}
   */
  Transports(String kind) throws IOException, InterruptedException {
    this.kind = kind;
    Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    this.pki = kind.equals("raftwire-tls") ? Optional.of(BenchPki.create(SENDER, RECEIVER)) : Optional.empty();
    switch (kind) {
      case "raftwire":
      case "raftwire-tls": {
        GrpcTransport r = GrpcTransport.start(GrpcTransportConfig.builder(RECEIVER, StoreResolver.of(addresses)).security(security(RECEIVER)).build());
        addresses.put(RECEIVER, r.listenAddress());
        GrpcTransport s = GrpcTransport.start(GrpcTransportConfig.builder(SENDER, StoreResolver.of(addresses)).security(security(SENDER)).build());
        addresses.put(SENDER, s.listenAddress());
        this.receiver = r;
        this.sender = s;
        this.tls = pki.isPresent() ? TlsProbe.describe(r.listenAddress(), pki.get().channelCredentials(SENDER)) : "";
        break;
      }
      case "fifo":
      case "unary": {
        BaselineTransport.Mode mode = kind.equals("fifo") ? BaselineTransport.Mode.FIFO : BaselineTransport.Mode.UNARY;
        this.receiver = new BaselineTransport(mode, RECEIVER, addresses);
        this.sender = new BaselineTransport(mode, SENDER, addresses);
        this.tls = "";
        break;
      }
      default:
        throw new IllegalArgumentException("unknown transport " + kind);
    }
  }

  private PeerSecurity security(StoreId store) {
    return pki.isPresent() ? pki.get().security(store) : PeerSecurity.insecure();
  }

  /** The TLS the receiver's server negotiates with a client of the sender's certificate ({@link TlsProbe}); empty for plaintext. */
  String tls() {
    return tls;
  }

  /** An APPEND (one entry of {@code bytes}) or CONTROL message whose payload starts with {@code stamp}. */
  static RaftEnvelope message(long range, TrafficClass lane, long stamp, int bytes) {
    RaftEnvelope.Builder b = RaftEnvelope.builder()
        .range(RangeId.of(range))
        .from(ReplicaAddress.of(SENDER, 1))
        .to(ReplicaAddress.of(RECEIVER, 2))
        .trafficClass(lane)
        .payload(ByteBuffer.allocate(8).putLong(stamp).array());
    if (lane == TrafficClass.APPEND) {
      b.entries(List.of(LogEntry.of(1, 1, new byte[bytes])));
    }
    return b.build();
  }

  static long stamp(RaftEnvelope envelope) {
    return envelope.payload().getLong(0);
  }

  @Override
  public void close() {
    sender.close();
    receiver.close();
    pki.ifPresent(BenchPki::close);
  }
}
