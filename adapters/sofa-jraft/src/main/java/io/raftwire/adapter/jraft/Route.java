package io.raftwire.adapter.jraft;

import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.InstallSnapshotRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.ReadIndexRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.RequestVoteRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.TimeoutNowRequest;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.raftwire.topology.RangeId;

/**
 * Who sends a jraft request, to whom, for which group, as the request itself says: the one reading
 * of a request's identities, used by the calling store to address the envelope ({@link
 * StoreRpcClient}) and by the receiving store to check the envelope against it ({@link
 * InboundCheck}), so that what one sends the other accepts.
 *
 * <p>Requests of a node name their sender in {@code server_id} and, but for a read-index request
 * that goes to a follower's own node, their target in {@code peer_id}: appends (heartbeats and
 * probes too), votes and pre-votes, timeout-now, install-snapshot, read-index. CLI and user
 * requests name a group (a {@code group_id} string field) and no sender; pings and file reads name
 * neither. Immutable.
 */
final class Route {
  /** Whether the request's type names its sender ({@code server_id}). */
  final boolean claimsSender;
  /** The sender it names; null if it names none or the name does not parse. */
  final PeerId sender;
  /** Whether the request names its target ({@code peer_id}). */
  final boolean claimsTarget;
  /** The target it names; null if it names none or the name does not parse. */
  final PeerId target;
  /** Its group; null if it has none. */
  final String group;

  private Route(boolean claimsSender, String sender, boolean claimsTarget, String target, String group) {
    this.claimsSender = claimsSender;
    this.sender = claimsSender ? peer(sender) : null;
    this.claimsTarget = claimsTarget;
    this.target = claimsTarget ? peer(target) : null;
    this.group = group;
  }

  static Route of(Message m) {
    if (m instanceof AppendEntriesRequest) {
      AppendEntriesRequest r = (AppendEntriesRequest) m;
      return new Route(true, r.getServerId(), true, r.getPeerId(), r.getGroupId());
    }
    if (m instanceof RequestVoteRequest) {
      RequestVoteRequest r = (RequestVoteRequest) m;
      return new Route(true, r.getServerId(), true, r.getPeerId(), r.getGroupId());
    }
    if (m instanceof TimeoutNowRequest) {
      TimeoutNowRequest r = (TimeoutNowRequest) m;
      return new Route(true, r.getServerId(), true, r.getPeerId(), r.getGroupId());
    }
    if (m instanceof InstallSnapshotRequest) {
      InstallSnapshotRequest r = (InstallSnapshotRequest) m;
      return new Route(true, r.getServerId(), true, r.getPeerId(), r.getGroupId());
    }
    if (m instanceof ReadIndexRequest) {
      ReadIndexRequest r = (ReadIndexRequest) m;
      return new Route(true, r.getServerId(), r.hasPeerId(), r.getPeerId(), r.getGroupId());
    }
    // CLI and user requests: a group if the message has one, no sender.
    FieldDescriptor group = m.getDescriptorForType().findFieldByName("group_id");
    if (group != null && group.getType() == FieldDescriptor.Type.STRING && !group.isRepeated() && m.hasField(group)) {
      return new Route(false, null, false, null, (String) m.getField(group));
    }
    return new Route(false, null, false, null, null);
  }

  /** The range the request travels on: its group's, or the service range without a group. */
  RangeId range(GroupRanges ranges) {
    return group == null ? GroupRanges.SERVICE_RANGE : ranges.rangeOf(group);
  }

  private static PeerId peer(String s) {
    PeerId p = new PeerId();
    return s != null && p.parse(s) ? p : null;
  }
}
