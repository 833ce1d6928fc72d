package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.rpc.RaftRpcFactory;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.SPI;
import com.google.protobuf.Message;
import io.raftwire.adapter.jraft.codec.MessageTypes;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jraft's RPC layer on raftwire, found by jraft's {@code @SPI} loader through {@code
 * META-INF/services/com.alipay.sofa.jraft.rpc.RaftRpcFactory} in this jar. Its priority (100) is
 * above Bolt's (0) and jraft's gRPC extension's, so having this jar on the class path is what
 * switches jraft to raftwire; {@link RaftwireJraft#install} then says which stores this process
 * runs.
 *
 * <p>Replicator pipelining stays on: raftwire keeps jraft's appends of one group and peer in order
 * (see the package documentation).
 */
@SPI(priority = 100)
public class RaftwireRpcFactory implements RaftRpcFactory {
  private static final Logger log = LoggerFactory.getLogger(RaftwireRpcFactory.class);

  /** Called by jraft's loader. */
  public RaftwireRpcFactory() {}

  /** Makes a message class known to the codec; {@code args[0]} is its default instance. */
  @Override
  public void registerProtobufSerializer(String className, Object... args) {
    if (args.length > 0 && args[0] instanceof Message) {
      MessageTypes.register(className, (Message) args[0]);
    } else {
      log.warn("cannot register {} without its default instance; calls carrying it will be refused", className);
    }
  }

  @Override
  public RpcClient createRpcClient(ConfigHelper<RpcClient> helper) {
    RpcClient client = new StoreRpcClient();
    if (helper != null) {
      helper.config(client);
    }
    return client;
  }

  /**
   * The server of the store installed at {@code endpoint}.
   *
   * @throws IllegalStateException if no store is installed there
   */
  @Override
  public RpcServer createRpcServer(Endpoint endpoint, ConfigHelper<RpcServer> helper) {
    Objects.requireNonNull(endpoint, "endpoint");
    JraftStore store = RaftwireJraft.storeAt(endpoint).orElseThrow(() -> new IllegalStateException(
        "no raftwire store is installed for jraft endpoint " + endpoint + ": call RaftwireJraft.install first"));
    RpcServer server = new StoreRpcServer(store);
    if (helper != null) {
      helper.config(server);
    }
    return server;
  }
}
