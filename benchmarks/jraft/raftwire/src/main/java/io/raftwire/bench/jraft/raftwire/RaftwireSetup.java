package io.raftwire.bench.jraft.raftwire;

import com.alipay.sofa.jraft.util.Endpoint;
import io.raftwire.adapter.jraft.JraftOptions;
import io.raftwire.adapter.jraft.JraftStore;
import io.raftwire.adapter.jraft.RaftwireJraft;
import io.raftwire.adapter.jraft.StoreDirectory;
import io.raftwire.bench.jraft.StoreSetup;
import io.raftwire.grpc.GrpcTransport;
import io.raftwire.grpc.GrpcTransportConfig;
import io.raftwire.grpc.PeerSecurity;
import io.raftwire.grpc.StoreResolver;
import io.raftwire.topology.Locality;
import io.raftwire.topology.StoreId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * S7's raftwire column: each store gets a gRPC transport with the default lanes, budgets and
 * credits (an ephemeral port on 127.0.0.1) and is installed as a jraft store; jraft's endpoints
 * are only names here.
 */
public final class RaftwireSetup implements StoreSetup {
  private final Map<StoreId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final StoreDirectory directory = new StoreDirectory();
  private final List<GrpcTransport> transports = new ArrayList<>();

  /** Found by the run's {@code ServiceLoader}. */
  public RaftwireSetup() {}

  @Override
  public String name() {
    return "raftwire";
  }

  @Override
  public AutoCloseable beforeStore(int store, Map<Integer, Endpoint> endpoints) {
    endpoints.forEach((s, e) -> directory.put(StoreId.of(s), e, Locality.UNKNOWN));
    StoreId id = StoreId.of(store);
    GrpcTransport transport = GrpcTransport.start(GrpcTransportConfig.builder(id, StoreResolver.of(addresses)).security(PeerSecurity.insecure()).build());
    addresses.put(id, transport.listenAddress());
    transports.add(transport);
    JraftStore jraft = RaftwireJraft.install(transport, directory,
        JraftOptions.builder().metricRegistry(transport.metrics()).build());
    return () -> {
      jraft.close();
      transport.close();
    };
  }

  /** What raftwire refused or dropped (jraft saw each as a failed RPC), and the APPEND budget. */
  @Override
  public Map<String, Double> figures() {
    long refused = 0;
    long dropped = 0;
    for (GrpcTransport t : transports) {
      String prefix = "raftwire." + t.localStore() + ".jraft.requests.";
      for (var e : t.metrics().getCounters().entrySet()) {
        if (e.getKey().startsWith(prefix + "refused.")) {
          refused += e.getValue().getCount();
        } else if (e.getKey().startsWith(prefix + "dropped.")) {
          dropped += e.getValue().getCount();
        }
      }
    }
    Map<String, Double> f = new LinkedHashMap<>();
    f.put("raftwire_refused", (double) refused);
    f.put("raftwire_dropped", (double) dropped);
    f.put("append_lane_budget_mib", transports.isEmpty() ? Double.NaN
        : transports.get(0).limits().appendLaneBytes() / 1048576.0);
    return f;
  }
}
