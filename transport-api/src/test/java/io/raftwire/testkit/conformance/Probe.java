package io.raftwire.testkit.conformance;

import io.raftwire.message.LogEntry;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import io.raftwire.transport.DropListener;
import io.raftwire.transport.DroppedMessage;
import io.raftwire.transport.InboundHandler;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Builds tagged envelopes and records what handlers and drop listeners see. */
final class Probe {
  private Probe() {}

  /**
   * An envelope whose payload starts with {@code seq}; APPEND messages carry {@code bytes} of entry
   * data (entry index = seq + 1), other classes carry them in the payload.
   */
  static RaftEnvelope envelope(
      StoreId from, StoreId to, long range, TrafficClass trafficClass, long seq, int bytes) {
    boolean append = trafficClass == TrafficClass.APPEND;
    ByteBuffer payload = ByteBuffer.allocate(Long.BYTES + (append ? 0 : bytes));
    payload.putLong(seq);
    RaftEnvelope.Builder b =
        RaftEnvelope.builder()
            .range(RangeId.of(range))
            .from(ReplicaAddress.of(from, from.value()))
            .to(ReplicaAddress.of(to, to.value()))
            .trafficClass(trafficClass)
            .priority(seq % 2 == 0 ? Priority.REGULAR : Priority.ELASTIC)
            .payload(payload.array());
    if (append) {
      byte[] data = new byte[bytes];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (seq + i);
      }
      b.entries(List.of(LogEntry.of(seq + 1, 1, data)));
    }
    return b.build();
  }

  static long seq(RaftEnvelope envelope) {
    return envelope.payload().getLong(0);
  }

  /** Records deliveries; can block while delivering a message that matches a predicate. */
  static final class Inbox implements InboundHandler {
    final ConcurrentLinkedQueue<RaftEnvelope> received = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<List<RaftEnvelope>> batches = new ConcurrentLinkedQueue<>();
    private final Predicate<RaftEnvelope> blockOn;
    final CountDownLatch blocked = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile Runnable onRelease = () -> {};

    Inbox() {
      this(e -> false);
    }

    Inbox(Predicate<RaftEnvelope> blockOn) {
      this.blockOn = blockOn;
    }

    /** An inbox that blocks on the first APPEND message it is given, until {@link #release()}. */
    static Inbox blockingOnFirstAppend() {
      boolean[] first = {true};
      return new Inbox(
          e -> {
            if (first[0] && e.trafficClass() == TrafficClass.APPEND) {
              first[0] = false;
              return true;
            }
            return false;
          });
    }

    @Override
    public void deliver(RangeId range, List<RaftEnvelope> batch) {
      batches.add(List.copyOf(batch));
      boolean block = false;
      for (RaftEnvelope e : batch) {
        received.add(e);
        block |= blockOn.test(e);
      }
      if (block) {
        blocked.countDown();
        try {
          if (!release.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError("handler of " + range + " was never released");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        onRelease.run();
      }
    }

    void release() {
      release.countDown();
    }

    List<Long> seqs(TrafficClass trafficClass) {
      List<Long> seqs = new ArrayList<>();
      for (RaftEnvelope e : received) {
        if (e.trafficClass() == trafficClass) {
          seqs.add(seq(e));
        }
      }
      return seqs;
    }
  }

  /** Records every drop report. */
  static final class Drops implements DropListener {
    final ConcurrentLinkedQueue<DroppedMessage> reports = new ConcurrentLinkedQueue<>();

    @Override
    public void onDropped(DroppedMessage dropped) {
      reports.add(dropped);
    }

    long afterAcceptance() {
      return reports.stream().filter(DroppedMessage::acceptedBySend).count();
    }
  }
}
