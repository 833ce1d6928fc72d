package io.raftwire.adapter.ratis;

import io.raftwire.flow.FlowControl;
import io.raftwire.message.Priority;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.StoreId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;

/**
 * Logical admission for a Ratis server: proposals wait for the credits of the group's follower
 * stores before they enter the leader's log. Where each side sits:
 *
 * <ul>
 *   <li><b>Leader, before the log:</b> an application that submits its requests in-process (as
 *       embedded Ratis deployments do, through {@code RaftServer.submitClientRequestAsync}) submits
 *       them through {@link #submit} instead. It waits, without blocking a thread, until every
 *       connected follower store of the group has credits for the request's bytes (and, for elastic
 *       work, for this store's IO tokens), then hands the request to Ratis.
 *   <li><b>Follower, after persisting:</b> with {@link RatisOptions.Builder#reportDurability}, the
 *       adapter reports the entries of each append as durable once Ratis answers it with success
 *       (Ratis answers only after the entries are written and flushed), so the leader's credits
 *       return at the pace of the follower's disk.
 *   <li><b>Leadership lost:</b> the adapter returns the group's credits when Ratis tells its RPC
 *       that the server stopped leading.
 * </ul>
 *
 * <p>Use with a transport whose admission config sets {@code libraryReportsDurability(true)}.
 * Thread-safe.
 */
public final class RatisAdmission {
  private final RaftServer server;
  private final FlowControl flow;
  private final RatisStores stores;
  private final RatisGroupRanges ranges;

  /**
   * Creates the leader-side hook of one server.
   *
   * @param server the Ratis server whose proposals are admitted; not null
   * @param flow the flow control of the server's transport; not null
   * @param stores the store directory the server's adapter uses; not null
   * @param ranges the group-to-range mapping of the server's {@link RatisOptions}; not null
   * @throws NullPointerException if an argument is null
   */
  public RatisAdmission(RaftServer server, FlowControl flow, RatisStores stores, RatisGroupRanges ranges) {
    this.server = Objects.requireNonNull(server, "server");
    this.flow = Objects.requireNonNull(flow, "flow");
    this.stores = Objects.requireNonNull(stores, "stores");
    this.ranges = Objects.requireNonNull(ranges, "ranges");
  }

  /**
   * Submits {@code request} to the server once the group's followers have credits for it. A server
   * that does not lead the group gets the request at once (and answers it as Ratis does: not
   * leader, with the leader's id).
   *
   * @param request a write to the server's division of its group; its message's bytes are what it
   *     costs; not null
   * @param priority the credits it needs; elastic work also waits for this store's IO tokens; not null
   * @return Ratis's reply; completes exceptionally if admission failed (flow control closed) or
   *     the server does not host the group
   * @throws NullPointerException if an argument is null
   */
  public CompletableFuture<RaftClientReply> submit(RaftClientRequest request, Priority priority) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(priority, "priority");
    long bytes = request.getMessage() == null ? 0 : request.getMessage().getContent().size();
    RangeId range = ranges.rangeOf(request.getRaftGroupId());
    List<StoreId> followers = new ArrayList<>();
    try {
      RaftServer.Division division = server.getDivision(request.getRaftGroupId());
      if (division.getInfo().isLeader()) {
        for (RaftPeer peer : division.getGroup().getPeers()) {
          if (!peer.getId().equals(server.getId())) {
            stores.storeOf(peer.getId()).ifPresent(followers::add);
          }
        }
      }
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> localDisk = priority == Priority.ELASTIC
        ? flow.admitElasticWork(range, bytes) : CompletableFuture.completedFuture(null);
    return localDisk
        .thenCompose(ok -> followers.isEmpty() ? CompletableFuture.<Void>completedFuture(null)
            : flow.admitProposal(range, followers, priority, bytes))
        .thenCompose(ok -> {
          try {
            return server.submitClientRequestAsync(request);
          } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
          }
        });
  }
}
