package io.raftwire.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftwire.topology.StoreId;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ConfigTest {
  private static final StoreResolver NONE = StoreResolver.of(Map.of());

  private static void rejects(String field, Consumer<GrpcTransportConfig.Builder> change) {
    GrpcTransportConfig.Builder b = GrpcTransportConfig.builder(StoreId.of(1), NONE).security(PeerSecurity.insecure());
    change.accept(b);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertTrue(e.getMessage().startsWith(field), e.getMessage());
  }

  @Test
  void nonsenseIsRejectedNamingTheField() {
    rejects("workerThreads", b -> b.workerThreads(0));
    rejects("targetBatchBytes", b -> b.targetBatchBytes(-1));
    rejects("maxBatchMessages", b -> b.maxBatchMessages(0));
    rejects("reconnectMaxBackoffNanos", b -> b.reconnectBackoff(100, 10, 2, 0.1));
    rejects("reconnectBackoffMultiplier", b -> b.reconnectBackoff(100, 1000, 0.5, 0.1));
    rejects("reconnectJitter", b -> b.reconnectBackoff(100, 1000, 2, 1.5));
    rejects("idleStreamTimeoutNanos", b -> b.idleStreamTimeoutNanos(0));
    assertThrows(NullPointerException.class, () -> GrpcTransportConfig.builder(null, NONE));
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    GrpcTransportConfig c = GrpcTransportConfig.builder(StoreId.of(1), NONE).security(PeerSecurity.insecure()).build();
    assertEquals(1024 * 1024, c.targetBatchBytes());
    assertEquals(64 * 1024, c.drrQuantumBytes());
    assertTrue(c.controlOnSeparateConnection());
    assertEquals(ReceiverLimits.defaults(), c.receiverLimits());
    assertEquals(16L << 20, ReceiverLimits.defaults().rangeAppendQueueBytes());
    assertEquals(256L << 20, ReceiverLimits.defaults().receiveBudgetBytes());
  }

  @Test
  void receiverLimitsRejectNonsense() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ReceiverLimits.builder().rangeAppendQueueBytes(1024).build());
    assertTrue(e.getMessage().startsWith("rangeAppendQueueBytes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ReceiverLimits.builder().receiveBudgetBytes(1 << 20).build());
    assertTrue(e.getMessage().startsWith("receiveBudgetBytes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ReceiverLimits.builder().controlBudgetBytes(1024).build());
    assertTrue(e.getMessage().startsWith("controlBudgetBytes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ReceiverLimits.builder().rangeAppendQueueMessages(0).build());
    assertTrue(e.getMessage().startsWith("rangeAppendQueueMessages"), e.getMessage());
  }
}
