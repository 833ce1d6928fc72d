package io.raftwire.adapter.ratis;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;

/**
 * raftwire as a Ratis {@link RpcType}. Ratis finds it by class name: {@code
 * raft.rpc.type=io.raftwire.adapter.ratis.RaftwireRpcType} (which {@link RaftwireRatis#configure}
 * sets). Its factory builds the server RPC from the transport that {@code configure} put into the
 * server's {@code Parameters}, and gives clients Ratis's own gRPC client.
 *
 * <p>Stateless; Ratis creates instances by reflection, so it has a public no-argument constructor.
 */
public final class RaftwireRpcType implements RpcType {
  /** The instance the adapter uses; any other instance is equal in behaviour. */
  public static final RaftwireRpcType INSTANCE = new RaftwireRpcType();

  /** For Ratis's reflection; use {@link #INSTANCE}. */
  public RaftwireRpcType() {}

  /** {@return the class name: what {@code raft.rpc.type} holds, and what Ratis resolves back to this type} */
  @Override
  public String name() {
    return RaftwireRpcType.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    return new RaftwireRatisFactory(parameters == null ? new Parameters() : parameters);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RaftwireRpcType;
  }

  @Override
  public int hashCode() {
    return RaftwireRpcType.class.hashCode();
  }

  @Override
  public String toString() {
    return "raftwire";
  }
}
