package io.raftwire.adapter.ratis.codec;

import java.io.IOException;
import java.util.Optional;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexReplyProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.thirdparty.com.google.protobuf.CodedInputStream;
import org.apache.ratis.thirdparty.com.google.protobuf.Message;

/**
 * Every Ratis server-to-server message the adapter carries, with its byte on the wire. Requests and
 * their replies are separate types, so a frame's type alone says which protobuf message its body
 * is. Immutable.
 */
public enum MessageType {
  /** A vote or pre-vote request. */
  REQUEST_VOTE(1, RequestVoteRequestProto.class),
  /** The answer to {@link #REQUEST_VOTE}. */
  REQUEST_VOTE_REPLY(2, RequestVoteReplyProto.class),
  /** An append, or a heartbeat (an append without entries). */
  APPEND_ENTRIES(3, AppendEntriesRequestProto.class),
  /** The answer to {@link #APPEND_ENTRIES}. */
  APPEND_ENTRIES_REPLY(4, AppendEntriesReplyProto.class),
  /** A snapshot chunk, or a notification to install a snapshot from elsewhere. */
  INSTALL_SNAPSHOT(5, InstallSnapshotRequestProto.class),
  /** The answer to {@link #INSTALL_SNAPSHOT}. */
  INSTALL_SNAPSHOT_REPLY(6, InstallSnapshotReplyProto.class),
  /** A leader handing over leadership: the target starts an election. */
  START_LEADER_ELECTION(7, StartLeaderElectionRequestProto.class),
  /** The answer to {@link #START_LEADER_ELECTION}. */
  START_LEADER_ELECTION_REPLY(8, StartLeaderElectionReplyProto.class),
  /** A follower asking the leader for a read index. */
  READ_INDEX(9, ReadIndexRequestProto.class),
  /** The answer to {@link #READ_INDEX}. */
  READ_INDEX_REPLY(10, ReadIndexReplyProto.class);

  private final int wire;
  private final Class<? extends Message> messageClass;

  MessageType(int wire, Class<? extends Message> messageClass) {
    this.wire = wire;
    this.messageClass = messageClass;
  }

  /** {@return the type's byte on the wire} */
  public int wire() {
    return wire;
  }

  /** {@return whether messages of this type are requests (not replies)} */
  public boolean isRequest() {
    return wire % 2 == 1;
  }

  /** {@return the type of the reply to a request of this type; a reply type is its own} */
  public MessageType replyType() {
    return isRequest() ? ofWire(wire + 1).orElseThrow() : this;
  }

  /**
   * {@return the type with wire value {@code wire}, or empty if there is none}
   *
   * @param wire a byte read from a frame
   */
  public static Optional<MessageType> ofWire(int wire) {
    for (MessageType t : values()) {
      if (t.wire == wire) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /**
   * {@return the type of {@code message}}
   *
   * @param message a Ratis server-to-server request or reply; not null
   * @throws IllegalArgumentException if it is no message this adapter carries
   */
  public static MessageType of(Message message) {
    for (MessageType t : values()) {
      if (t.messageClass.isInstance(message)) {
        return t;
      }
    }
    throw new IllegalArgumentException("not a Ratis server-to-server message: " + message.getClass().getName());
  }

  Message parse(byte[] bytes, int offset, int length) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(bytes, offset, length);
    switch (this) {
      case REQUEST_VOTE: return RequestVoteRequestProto.parseFrom(in);
      case REQUEST_VOTE_REPLY: return RequestVoteReplyProto.parseFrom(in);
      case APPEND_ENTRIES: return AppendEntriesRequestProto.parseFrom(in);
      case APPEND_ENTRIES_REPLY: return AppendEntriesReplyProto.parseFrom(in);
      case INSTALL_SNAPSHOT: return InstallSnapshotRequestProto.parseFrom(in);
      case INSTALL_SNAPSHOT_REPLY: return InstallSnapshotReplyProto.parseFrom(in);
      case START_LEADER_ELECTION: return StartLeaderElectionRequestProto.parseFrom(in);
      case START_LEADER_ELECTION_REPLY: return StartLeaderElectionReplyProto.parseFrom(in);
      case READ_INDEX: return ReadIndexRequestProto.parseFrom(in);
      case READ_INDEX_REPLY: return ReadIndexReplyProto.parseFrom(in);
      default: throw new IllegalStateException("no parser for " + this);
    }
  }

  /**
   * {@return the routing header of a request: who sends it, to whom, for which group} Every request
   * type has one.
   *
   * @param request a request of this type
   * @throws IllegalArgumentException if this is a reply type or {@code request} is not of it
   */
  public RaftRpcRequestProto requestHeader(Message request) {
    switch (this) {
      case REQUEST_VOTE: return ((RequestVoteRequestProto) request).getServerRequest();
      case APPEND_ENTRIES: return ((AppendEntriesRequestProto) request).getServerRequest();
      case INSTALL_SNAPSHOT: return ((InstallSnapshotRequestProto) request).getServerRequest();
      case START_LEADER_ELECTION: return ((StartLeaderElectionRequestProto) request).getServerRequest();
      case READ_INDEX: return ((ReadIndexRequestProto) request).getServerRequest();
      default: throw new IllegalArgumentException(this + " is a reply type");
    }
  }

  /**
   * {@return the routing header of a reply}
   *
   * @param reply a reply of this type
   * @throws IllegalArgumentException if this is a request type or {@code reply} is not of it
   */
  public RaftRpcReplyProto replyHeader(Message reply) {
    switch (this) {
      case REQUEST_VOTE_REPLY: return ((RequestVoteReplyProto) reply).getServerReply();
      case APPEND_ENTRIES_REPLY: return ((AppendEntriesReplyProto) reply).getServerReply();
      case INSTALL_SNAPSHOT_REPLY: return ((InstallSnapshotReplyProto) reply).getServerReply();
      case START_LEADER_ELECTION_REPLY: return ((StartLeaderElectionReplyProto) reply).getServerReply();
      case READ_INDEX_REPLY: return ((ReadIndexReplyProto) reply).getServerReply();
      default: throw new IllegalArgumentException(this + " is a request type");
    }
  }
}
