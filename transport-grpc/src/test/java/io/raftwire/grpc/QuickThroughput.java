package io.raftwire.grpc;

import io.raftwire.message.LogEntry;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.TransportLimits;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A rough, single-run throughput figure for one sender and one receiver on loopback: APPEND
 * messages with {@code args[0]} bytes of entry data (default 1024) over 8 ranges, as fast as the
 * budgets let the sender go. Not a benchmark (see benchmarks/): one JVM, one run.
 *
 * <p>Run: {@code mvn -q -pl transport-grpc dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * && java -cp transport-grpc/target/test-classes:transport-grpc/target/classes:$(cat /tmp/cp.txt)
 * io.raftwire.grpc.QuickThroughput 1024}
 */
public final class QuickThroughput {
  private QuickThroughput() {}

  public static void main(String[] args) throws Exception {
    int bytes = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    long warmupSeconds = 8;
    long measureSeconds = 10;
    StoreId s1 = StoreId.of(1);
    StoreId s2 = StoreId.of(2);
    try (GrpcCluster cluster = new GrpcCluster()) {
      GrpcTransport a = cluster.start(s1, TransportLimits.defaults());
      GrpcTransport b = cluster.start(s2, TransportLimits.defaults());
      AtomicLong delivered = new AtomicLong();
      for (long r = 1; r <= 8; r++) {
        b.register(RangeId.of(r), (range, batch) -> delivered.addAndGet(batch.size()));
      }
      RaftEnvelope[] messages = new RaftEnvelope[8];
      for (int r = 0; r < 8; r++) {
        messages[r] =
            RaftEnvelope.builder()
                .range(RangeId.of(r + 1))
                .from(ReplicaAddress.of(s1, 1))
                .to(ReplicaAddress.of(s2, 2))
                .trafficClass(TrafficClass.APPEND)
                .payload(new byte[16])
                .entries(List.of(LogEntry.of(1, 1, new byte[bytes])))
                .build();
      }
      long refused = 0;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds + measureSeconds);
      long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
      long deliveredAtStart = -1;
      long i = 0;
      while (System.nanoTime() < end) {
        if (deliveredAtStart < 0 && System.nanoTime() >= measureFrom) {
          deliveredAtStart = delivered.get();
        }
        if (a.send(messages[(int) (i & 7)]).isAccepted()) {
          i++;
        } else {
          refused++;
          LockSupport.parkNanos(20_000); // budgets full: back off instead of stealing a core
        }
      }
      long count = delivered.get() - deliveredAtStart;
      double perSecond = count / (double) measureSeconds;
      System.out.printf(
          "payload %d B: %.0f messages/s, %.1f MB/s delivered (refusals while saturated: %d)%n",
          bytes, perSecond, perSecond * messages[0].sizeBytes() / 1e6, refused);
    }
  }
}
