package io.raftwire.adapter.microraft;

import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.log.SnapshotEntry;
import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.RaftMessage;
import io.microraft.persistence.RaftStore;
import io.microraft.report.RaftGroupMembers;
import io.microraft.report.RaftNodeReport;
import io.microraft.report.RaftTerm;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.snapshot.ReplicaState;
import io.raftwire.snapshot.SnapshotConsent;
import io.raftwire.snapshot.SnapshotMeta;
import io.raftwire.snapshot.SnapshotOffer;
import io.raftwire.snapshot.SnapshotPurpose;
import io.raftwire.snapshot.SnapshotSink;
import io.raftwire.snapshot.SnapshotSource;
import io.raftwire.snapshot.SnapshotTransfers;
import io.raftwire.snapshot.SnapshotView;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves MicroRaft's snapshots over raftwire's snapshot transfers instead of MicroRaft's own
 * chunk-by-chunk Raft messages, so they are paced, checksummed, resumable, cached, and sent by the
 * replica nearest the lagging one.
 *
 * <p>How it hooks in:
 *
 * <ul>
 *   <li><b>Capture:</b> the {@code RaftStore} from {@link #capturingStore} sees every snapshot
 *       chunk MicroRaft persists (when it takes a snapshot, or installs one) and keeps the latest
 *       complete snapshot of each range. MicroRaft holds that snapshot in memory anyway; this
 *       keeps references to the same chunk objects, not copies.
 *   <li><b>Leader:</b> {@link MicroRaftTransport} built with this sends the leader's "install a
 *       snapshot" request on to the follower with its list of members to fetch chunks from
 *       emptied (it carries the leader's term and heartbeat, and the follower asks nobody for
 *       chunks), then hands it to {@link #catchUp}, which starts one raftwire transfer per (range,
 *       follower); MicroRaft repeats the request while the follower lags, and the repeats are
 *       coalesced into the transfer in progress ({@link #coalesced()}).
 *   <li><b>Follower, asking:</b> the {@link RangeRegistry} of {@link MicroRaftNodes} tells {@link
 *       #received} of every message it delivers; a leader's offer (without a chunk) is recorded
 *       as the follower's request for a snapshot, one per range, for {@code
 *       transferDeadlineNanos} (MicroRaft's repeats renew it).
 *   <li><b>Sender ({@link SnapshotSource}):</b> the view is the latest captured snapshot, encoded
 *       (a count, then each chunk length-prefixed in the codec's encoding); the replica's state
 *       is the node's term, committed membership (its log index is the config generation) and the
 *       captured snapshot index (first log index = snapshot index + 1).
 *   <li><b>Recipient ({@link SnapshotSink}):</b> an offered transfer is accepted only if the
 *       follower asked for it: sent for the leader that made the recorded offer, which the node
 *       still follows in the same term, with a snapshot term not ahead of the node's, an index not
 *       below the offered one, from the leader or a member ({@link #consent}); anything else is
 *       refused before a byte is staged ({@link #refused()}). The verified file is decoded and
 *       checked (every chunk of one snapshot, each once), the match is checked again against the
 *       node's state now, and the chunks are handed to the node as that leader's, in that term,
 *       all at once; the install returns when the node's commit index reached the snapshot, and
 *       fails (the transfer with INSTALL_FAILED) if the follower no longer asks for it or the node
 *       does not get there within {@code installTimeoutNanos}. MicroRaft installs atomically: it
 *       persists every chunk before it switches its state.
 * </ul>
 *
 * <p>Wire it through {@link MicroRaftNodes}, whose registry tells it of the offers followers
 * receive: without that, every transfer to this store is refused as not asked for.
 *
 * <p>Thread-safe. {@link #attach} must be called once the transport and the registry exist,
 * before the first node starts.
 */
public final class MicroRaftSnapshots implements SnapshotSource, SnapshotSink {
  private static final Logger log = LoggerFactory.getLogger(MicroRaftSnapshots.class);
  private static final int MAGIC = 0x52574d31; // "RWM1"

  private final MicroRaftCodec codec;
  private final long transferDeadlineNanos;
  private final long installTimeoutNanos;
  private final Map<RangeId, Captured> latest = new ConcurrentHashMap<>();
  /** Chunks of snapshots still being persisted, per range and snapshot index. */
  private final Map<RangeId, TreeMap<Long, List<SnapshotChunk>>> partial = new ConcurrentHashMap<>();
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong coalesced = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong installed = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final SnapshotRequests requests;
  private volatile RangeRegistry registry;
  private volatile SnapshotTransfers transfers;

  /**
   * @param transferDeadlineNanos how long one catch-up transfer may take, queueing included; also
   *     how long a leader's offer counts as the follower's request (no transfer for it outlives it)
   * @param installTimeoutNanos how long an install may wait for the node to apply the snapshot
   */
  public MicroRaftSnapshots(MicroRaftCodec codec, long transferDeadlineNanos, long installTimeoutNanos) {
    this(codec, transferDeadlineNanos, installTimeoutNanos, System::nanoTime);
  }

  /** As the public constructor, with the clock the follower's requests expire by. */
  MicroRaftSnapshots(MicroRaftCodec codec, long transferDeadlineNanos, long installTimeoutNanos, LongSupplier nanoClock) {
    this.codec = Objects.requireNonNull(codec, "codec");
    if (transferDeadlineNanos <= 0 || installTimeoutNanos <= 0) {
      throw new IllegalArgumentException("deadlines must be > 0, were " + transferDeadlineNanos + " and "
          + installTimeoutNanos);
    }
    this.transferDeadlineNanos = transferDeadlineNanos;
    this.installTimeoutNanos = installTimeoutNanos;
    this.requests = new SnapshotRequests(nanoClock, transferDeadlineNanos);
  }

  /** With a 5 minute transfer deadline and a 30 second install timeout. */
  public MicroRaftSnapshots(MicroRaftCodec codec) {
    this(codec, TimeUnit.MINUTES.toNanos(5), TimeUnit.SECONDS.toNanos(30));
  }

  /** Connects the nodes (for state and installs) and the transport's transfers (for sends). */
  public void attach(RangeRegistry registry, SnapshotTransfers transfers) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.transfers = Objects.requireNonNull(transfers, "transfers");
  }

  /** Remembers the snapshot a node of {@code range} was restored with (after a restart). */
  public void restored(RangeId range, SnapshotEntry snapshot) {
    @SuppressWarnings("unchecked")
    List<SnapshotChunk> chunks = (List<SnapshotChunk>) snapshot.getOperation();
    latest.put(range, new Captured(snapshot.getIndex(), snapshot.getTerm(), List.copyOf(chunks)));
  }

  /** Wraps {@code store} of {@code range} so the snapshots it persists are captured. */
  public RaftStore capturingStore(RangeId range, RaftStore store) {
    return new ForwardingRaftStore(store) {
      @Override
      public void persistSnapshotChunk(SnapshotChunk chunk) throws IOException {
        super.persistSnapshotChunk(chunk);
        captured(range, chunk);
      }

      @Override
      public void deleteSnapshotChunks(long logIndex, int snapshotChunkCount) throws IOException {
        super.deleteSnapshotChunks(logIndex, snapshotChunkCount);
        TreeMap<Long, List<SnapshotChunk>> pending = partial.get(range);
        if (pending != null) {
          synchronized (pending) {
            pending.remove(logIndex);
          }
        }
      }
    };
  }

  private void captured(RangeId range, SnapshotChunk chunk) {
    TreeMap<Long, List<SnapshotChunk>> pending = partial.computeIfAbsent(range, r -> new TreeMap<>());
    List<SnapshotChunk> complete = null;
    synchronized (pending) {
      List<SnapshotChunk> chunks = pending.computeIfAbsent(chunk.getIndex(), i -> new ArrayList<>());
      chunks.removeIf(c -> c.getSnapshotChunkIndex() == chunk.getSnapshotChunkIndex());
      chunks.add(chunk);
      if (chunks.size() == chunk.getSnapshotChunkCount()) {
        chunks.sort((a, b) -> Integer.compare(a.getSnapshotChunkIndex(), b.getSnapshotChunkIndex()));
        complete = chunks;
        pending.headMap(chunk.getIndex(), true).clear(); // this one and anything older
      }
    }
    if (complete != null) {
      Captured previous = latest.get(range);
      if (previous == null || previous.index < chunk.getIndex()) {
        latest.put(range, new Captured(chunk.getIndex(), chunk.getTerm(), List.copyOf(complete)));
        SnapshotTransfers t = transfers;
        if (t != null) {
          t.logTruncated(range, chunk.getIndex() + 1); // older cached snapshots are superseded
        }
      }
    }
  }

  /** True once attached: leaders' snapshot offers then travel as raftwire transfers. */
  boolean attached() {
    return transfers != null;
  }

  /**
   * Called by {@link MicroRaftTransport} once it sent on the leader's request to install a
   * snapshot on {@code follower} (its {@link #withoutChunkSources} form, which the follower records
   * as its request); ignored unless {@link #attached()}.
   */
  void catchUp(RangeId range, StoreId follower) {
    SnapshotTransfers t = transfers;
    if (t == null) {
      return;
    }
    String key = range.value() + "/" + follower.value();
    if (!inFlight.add(key)) {
      coalesced.incrementAndGet();
      return;
    }
    started.incrementAndGet();
    log.info("{}: catching {} up by snapshot", range, follower);
    var unused = t.send(range, follower, SnapshotPurpose.CATCH_UP, transferDeadlineNanos).whenComplete((meta, error) -> {
      inFlight.remove(key);
      if (error == null) {
        completed.incrementAndGet();
        log.info("{}: {} installed {}", range, follower, meta);
      } else {
        failed.incrementAndGet(); // MicroRaft asks again while the follower lags
        log.warn("{}: snapshot to {} failed: {}", range, follower, error.toString());
      }
    });
  }

  /**
   * Told of every message the {@link RangeRegistry} delivers to a node: a leader's snapshot offer
   * (without a chunk) is recorded as the follower's request for a snapshot. Called on the
   * transport's delivery thread; does not block.
   */
  void received(RaftEnvelope envelope, RaftMessage message) {
    if (!isLeaderSnapshotOffer(message) || !(message.getSender() instanceof StoreEndpoint)) {
      return;
    }
    StoreId leader = StoreEndpoint.storeOf(message.getSender());
    if (!leader.equals(envelope.from().store())) {
      return; // a store speaking for another: not the leader's own offer
    }
    RangeRegistry nodes = registry;
    if (nodes != null && nodes.node(envelope.range()).isPresent()) { // bounded by the ranges hosted here
      InstallSnapshotRequest offer = (InstallSnapshotRequest) message;
      requests.asked(envelope.range(), leader, offer.getTerm(), offer.getSnapshotIndex());
    }
  }

  /**
   * The leader's offer with no member to request chunks from: the follower records the leader,
   * its term and the snapshot to expect, and waits for the chunks that the transfer installs.
   */
  InstallSnapshotRequest withoutChunkSources(InstallSnapshotRequest r) {
    return codec.modelFactory().createInstallSnapshotRequestBuilder()
        .setGroupId(r.getGroupId()).setSender(r.getSender()).setTerm(r.getTerm()).setSenderLeader(r.isSenderLeader())
        .setSnapshotTerm(r.getSnapshotTerm()).setSnapshotIndex(r.getSnapshotIndex())
        .setTotalSnapshotChunkCount(r.getTotalSnapshotChunkCount()).setSnapshotChunk(null)
        .setSnapshottedMembers(List.of()).setGroupMembersView(r.getGroupMembersView())
        .setQuerySequenceNumber(r.getQuerySequenceNumber()).setFlowControlSequenceNumber(r.getFlowControlSequenceNumber())
        .build();
  }

  static boolean isLeaderSnapshotOffer(RaftMessage message) {
    return message instanceof InstallSnapshotRequest && ((InstallSnapshotRequest) message).isSenderLeader()
        && ((InstallSnapshotRequest) message).getSnapshotChunk() == null;
  }

  // ---------------------------------------------------------------- SnapshotSource

  @Override
  public SnapshotView open(RangeId range) throws IOException {
    Captured snapshot = latest.get(range);
    if (snapshot == null) {
      throw new IOException("no snapshot of " + range + " has been taken or installed here");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(snapshot.chunks.size());
      for (SnapshotChunk chunk : snapshot.chunks) {
        byte[] encoded = codec.encodeSnapshotChunk(chunk);
        out.writeInt(encoded.length);
        out.write(encoded);
      }
    }
    byte[] data = bytes.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(data);
    long generation = snapshot.chunks.get(0).getGroupMembersView().getLogIndex();
    SnapshotMeta meta = SnapshotMeta.of(range, snapshot.index, snapshot.term, generation, data.length,
        (int) crc.getValue());
    return SnapshotView.of(meta, data);
  }

  @Override
  public Optional<ReplicaState> state(RangeId range) {
    Optional<RaftNode> node = node(range);
    if (node.isEmpty()) {
      return Optional.empty();
    }
    RaftTerm term = node.get().getTerm();
    RaftGroupMembers members = node.get().getCommittedMembers();
    Set<StoreId> stores = stores(members);
    Captured snapshot = latest.get(range);
    long snapshotIndex = snapshot == null ? 0 : snapshot.index;
    // The node applied at least up to its latest snapshot (a lower bound: MicroRaft has no
    // non-blocking getter of its commit index).
    return Optional.of(ReplicaState.of(term.getTerm(), members.getLogIndex(), stores, snapshotIndex + 1, snapshotIndex));
  }

  // ---------------------------------------------------------------- SnapshotSink

  /**
   * Accepts {@code offer} only if this store's replica of its range asked for it (see the class
   * description). Does not block: it reads the node's term, leader and members.
   */
  @Override
  public SnapshotConsent consent(SnapshotOffer offer) {
    RangeId range = offer.meta().range();
    Optional<RaftNode> node = node(range);
    Optional<String> mismatch = node.isEmpty() ? Optional.of("no replica of " + range + " here")
        : SnapshotRequests.mismatch(offer, requests.current(range).orElse(null), replica(node.get()));
    if (mismatch.isEmpty()) {
      return SnapshotConsent.accept();
    }
    refused.incrementAndGet();
    log.debug("{}: refusing {}: {}", range, offer, mismatch.get());
    return SnapshotConsent.refuse(mismatch.get());
  }

  private Optional<RaftNode> node(RangeId range) {
    RangeRegistry nodes = registry;
    return nodes == null ? Optional.empty() : nodes.node(range);
  }

  private static SnapshotRequests.Replica replica(RaftNode node) {
    RaftTerm term = node.getTerm();
    RaftEndpoint leader = term.getLeaderEndpoint();
    return new SnapshotRequests.Replica(term.getTerm(),
        leader instanceof StoreEndpoint ? StoreEndpoint.storeOf(leader) : null, stores(node.getCommittedMembers()));
  }

  private static Set<StoreId> stores(RaftGroupMembers members) {
    Set<StoreId> stores = new HashSet<>();
    for (RaftEndpoint member : members.getMembers()) {
      stores.add(StoreEndpoint.storeOf(member));
    }
    return stores;
  }

  /**
   * Hands the snapshot to the node as the chunks of the leader the follower asked, in the term it
   * asked in, once the offer still matches the node's state; waits until the node applied it.
   */
  @Override
  public void install(SnapshotOffer offer, Path file) throws IOException {
    SnapshotMeta meta = offer.meta();
    List<SnapshotChunk> chunks = decode(meta, Files.readAllBytes(file));
    RaftNode node = node(meta.range()).orElseThrow(() -> new IOException("no replica of " + meta.range() + " here"));
    SnapshotRequests.Asked asked = requests.current(meta.range()).orElse(null);
    Optional<String> mismatch = SnapshotRequests.mismatch(offer, asked, replica(node));
    if (asked == null || mismatch.isPresent()) {
      throw new IOException(meta.range() + " does not install " + meta + ": "
          + mismatch.orElse("no leader offered the replica a snapshot lately"));
    }
    long deadline = System.nanoTime() + installTimeoutNanos;
    RaftEndpoint leader = StoreEndpoint.of(asked.leader());
    RaftGroupMembersView members = chunks.get(0).getGroupMembersView();
    for (SnapshotChunk chunk : chunks) {
      node.handle(codec.modelFactory().createInstallSnapshotRequestBuilder()
          .setGroupId(meta.range()).setSender(leader).setTerm(asked.term()).setSenderLeader(true)
          .setSnapshotTerm((int) meta.term()).setSnapshotIndex(meta.index()).setTotalSnapshotChunkCount(chunks.size())
          .setSnapshotChunk(chunk).setSnapshottedMembers(List.of()).setGroupMembersView(members)
          .setQuerySequenceNumber(0).setFlowControlSequenceNumber(0).build());
    }
    while (commitIndex(node) < meta.index()) {
      if (System.nanoTime() >= deadline) {
        throw new IOException(meta.range() + " did not reach " + meta.index() + " within "
            + TimeUnit.NANOSECONDS.toMillis(installTimeoutNanos) + " ms of being handed the snapshot");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    requests.forget(meta.range(), asked);
    installed.incrementAndGet();
  }

  private static long commitIndex(RaftNode node) throws IOException {
    try {
      RaftNodeReport report = node.getReport().get(5, TimeUnit.SECONDS).getResult();
      return report.getLog().getCommitIndex();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while installing", e);
    } catch (Exception e) {
      throw new IOException("the node did not report its state: " + e, e);
    }
  }

  /** The chunks of a snapshot {@link #open} encoded, checked against {@code meta}. */
  List<SnapshotChunk> decode(SnapshotMeta meta, byte[] data) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(data);
    try {
      if (in.getInt() != MAGIC) {
        throw new IOException("not a MicroRaft snapshot written by raftwire");
      }
      int count = in.getInt();
      if (count < 1 || count > data.length) {
        throw new IOException("implausible chunk count " + count);
      }
      SnapshotChunk[] chunks = new SnapshotChunk[count];
      for (int i = 0; i < count; i++) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
          throw new IOException("chunk " + i + " claims " + length + " bytes, " + in.remaining() + " left");
        }
        byte[] encoded = new byte[length];
        in.get(encoded);
        SnapshotChunk chunk = codec.decodeSnapshotChunk(encoded);
        int at = chunk.getSnapshotChunkIndex();
        if (chunk.getIndex() != meta.index() || chunk.getTerm() != meta.term() || chunk.getSnapshotChunkCount() != count
            || at < 0 || at >= count || chunks[at] != null) {
          throw new IOException("chunk " + i + " does not belong to " + meta + ": " + chunk);
        }
        chunks[at] = chunk;
      }
      if (in.hasRemaining()) {
        throw new IOException(in.remaining() + " bytes after the last chunk");
      }
      return List.of(chunks);
    } catch (java.nio.BufferUnderflowException | MalformedMessageException e) {
      throw new IOException("malformed snapshot of " + meta.range() + ": " + e.getMessage(), e);
    }
  }

  /** Catch-up transfers started. */
  public long started() {
    return started.get();
  }

  /** Repeated requests folded into a transfer already in progress. */
  public long coalesced() {
    return coalesced.get();
  }

  /** Catch-up transfers the follower installed. */
  public long completed() {
    return completed.get();
  }

  /** Catch-up transfers that failed (MicroRaft asks again). */
  public long failed() {
    return failed.get();
  }

  /** Snapshots this store installed. */
  public long installed() {
    return installed.get();
  }

  /** Offered transfers this store refused because its replica had not asked for them. */
  public long refused() {
    return refused.get();
  }

  /** The latest complete snapshot of a range seen here. */
  private static final class Captured {
    final long index;
    final int term;
    final List<SnapshotChunk> chunks;

    Captured(long index, int term, List<SnapshotChunk> chunks) {
      this.index = index;
      this.term = term;
      this.chunks = chunks;
    }
  }
}
