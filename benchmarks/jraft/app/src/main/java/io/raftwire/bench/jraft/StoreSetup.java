package io.raftwire.bench.jraft;

import com.alipay.sofa.jraft.util.Endpoint;
import java.util.Map;

/**
 * What a transport column must do for a store before jraft creates the store's RpcServer, found
 * with {@link java.util.ServiceLoader}. Bolt and jraft's gRPC extension need nothing (none is on
 * their class path): jraft binds the endpoint itself. raftwire starts the store's transport and
 * installs it. Called from the run's main thread; may block while starting.
 */
public interface StoreSetup {
  /** The column's name in the report. */
  String name();

  /**
   * Prepares store {@code store} (1, 2 or 3) of a cluster whose stores have {@code endpoints}.
   *
   * @return closes what was started, after the store's jraft nodes stopped
   */
  AutoCloseable beforeStore(int store, Map<Integer, Endpoint> endpoints) throws Exception;

  /** Figures only this column has (for example what it refused), at the end of the run. */
  Map<String, Double> figures();
}
