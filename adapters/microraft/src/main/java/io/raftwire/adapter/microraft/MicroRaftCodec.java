package io.raftwire.adapter.microraft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.microraft.MembershipChangeMode;
import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.groupop.UpdateRaftGroupMembersOp;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.message.AppendEntriesFailureResponse;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.AppendEntriesSuccessResponse;
import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.InstallSnapshotResponse;
import io.microraft.model.message.PreVoteRequest;
import io.microraft.model.message.PreVoteResponse;
import io.microraft.model.message.RaftMessage;
import io.microraft.model.message.TriggerLeaderElectionRequest;
import io.microraft.model.message.VoteRequest;
import io.microraft.model.message.VoteResponse;
import io.raftwire.adapter.microraft.wire.AppendFailure;
import io.raftwire.adapter.microraft.wire.AppendRequest;
import io.raftwire.adapter.microraft.wire.AppendSuccess;
import io.raftwire.adapter.microraft.wire.Granted;
import io.raftwire.adapter.microraft.wire.LogPosition;
import io.raftwire.adapter.microraft.wire.MembersView;
import io.raftwire.adapter.microraft.wire.Message;
import io.raftwire.adapter.microraft.wire.Operation;
import io.raftwire.adapter.microraft.wire.StoredEntry;
import io.raftwire.adapter.microraft.wire.UpdateMembers;
import io.raftwire.adapter.microraft.wire.Vote;
import io.raftwire.message.Heartbeat;
import io.raftwire.message.Priority;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.message.TrafficClass;
import io.raftwire.message.UnsafeBytes;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Converts MicroRaft messages to raftwire envelopes and back, with raftwire's own protobuf
 * encoding. The MicroRaft group id of every node must be its {@link RangeId}, and every endpoint a
 * {@link StoreEndpoint}. Stateless and thread-safe if the operation codec is.
 *
 * <p>Classification: append requests with entries are APPEND (their entries become the envelope's
 * entries, one encoded {@code Operation} each, so the transport accounts credits by entry bytes);
 * install-snapshot requests and responses are SNAPSHOT; everything else (heartbeats and probes,
 * i.e. appends without entries, votes, pre-votes, all responses, leader-election triggers) is
 * CONTROL. The payload of an APPEND is its rebuildable header (term, previous log position,
 * commit index, sequence numbers) and never holds entries, so a transport may carry the entries
 * apart and put header and entries back together (zone fan-out); {@link #decode} checks that they
 * fit. An append without entries (a heartbeat or probe) is CONTROL marked ELASTIC, so that the
 * heartbeats of many idle ranges may fill only the elastic share of the CONTROL lane and votes and
 * responses, REGULAR, keep the rest. An APPEND is REGULAR only if all its operations are: a batch that mixes in elastic
 * work is charged to elastic credits, so elastic bytes never use up regular credits (the regular
 * entries in it still commit at once; only the return of credits is paced).
 *
 * <p>Appends without entries and append responses may instead travel as coalesced heartbeats
 * ({@link #isHeartbeat}, {@link #encodeHeartbeat}, {@link #decode(Heartbeat)}): the same encoding
 * as the envelope's payload, in a {@link Heartbeat}.
 */
public final class MicroRaftCodec {
  private final OperationCodec operations;
  private final RaftModelFactory factory;
  private final Function<Object, Priority> priorityOf;

  /**
   * A codec with MicroRaft's default model factory; every operation counts as REGULAR work.
   *
   * @param operations encodes the user's operations and snapshot chunk objects; not null
   * @throws NullPointerException if {@code operations} is null
   */
  public MicroRaftCodec(OperationCodec operations) {
    this(operations, new DefaultRaftModelFactory(), operation -> Priority.REGULAR);
  }

  /**
   * A codec that builds MicroRaft objects with {@code factory} and gives user operations the
   * priority {@code priorityOf} says. Membership changes are always REGULAR.
   *
   * @param operations encodes the user's operations and snapshot chunk objects; not null
   * @param factory the model factory MicroRaft's nodes are built with, so decoded messages are the
   *     classes the nodes expect; not null
   * @param priorityOf the admission priority of a user operation (must not block or throw); called
   *     on Raft node and proposing threads; not null
   * @throws NullPointerException if an argument is null
   */
  public MicroRaftCodec(
      OperationCodec operations, RaftModelFactory factory, Function<Object, Priority> priorityOf) {
    this.operations = Objects.requireNonNull(operations, "operations");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.priorityOf = Objects.requireNonNull(priorityOf, "priorityOf");
  }

  /**
   * {@return how the transport treats {@code message}} APPEND for an append request with entries,
   * SNAPSHOT for install-snapshot requests and responses, CONTROL for everything else.
   *
   * @param message any MicroRaft message; not null
   */
  public static TrafficClass classify(RaftMessage message) {
    if (message instanceof AppendEntriesRequest) {
      return ((AppendEntriesRequest) message).getLogEntries().isEmpty() ? TrafficClass.CONTROL : TrafficClass.APPEND;
    }
    if (message instanceof InstallSnapshotRequest || message instanceof InstallSnapshotResponse) {
      return TrafficClass.SNAPSHOT;
    }
    return TrafficClass.CONTROL;
  }

  /** The admission priority of a user operation, as configured. */
  Priority priorityOf(Object operation) {
    return operation instanceof UpdateRaftGroupMembersOp ? Priority.REGULAR : priorityOf.apply(operation);
  }

  /**
   * The envelope carrying {@code message} to {@code target}.
   *
   * @param message the message a MicroRaft node sends; its sender becomes the envelope's {@code
   *     from} store, its group id the envelope's range
   * @param target the endpoint the node sends to; becomes the envelope's {@code to} store
   * @return a new envelope with the traffic class of {@link #classify}; for an APPEND, one entry per
   *     log entry and elastic priority if any operation is elastic
   * @throws IllegalArgumentException if the group id is not a {@link RangeId}, an endpoint is not a
   *     {@link StoreEndpoint}, or the message type is unknown
   */
  public RaftEnvelope encode(RaftMessage message, RaftEndpoint target) {
    RangeId range = rangeOf(message);
    StoreId from = StoreEndpoint.storeOf(message.getSender());
    StoreId to = StoreEndpoint.storeOf(target);
    List<io.raftwire.message.LogEntry> entries = List.of();
    // A heartbeat sent as an envelope is elastic CONTROL: it may fill only part of the CONTROL
    // lane, so votes and responses (regular CONTROL) always find room behind idle ranges' beats.
    Priority priority = message instanceof AppendEntriesRequest ? Priority.ELASTIC : Priority.REGULAR;
    if (message instanceof AppendEntriesRequest && !((AppendEntriesRequest) message).getLogEntries().isEmpty()) {
      priority = Priority.REGULAR;
      List<LogEntry> logEntries = ((AppendEntriesRequest) message).getLogEntries();
      entries = new ArrayList<>(logEntries.size());
      for (LogEntry e : logEntries) {
        entries.add(UnsafeBytes.wrapEntry(e.getIndex(), e.getTerm(), operation(e.getOperation()).toByteArray())); // a fresh array: no copy
        if (priorityOf(e.getOperation()) == Priority.ELASTIC) {
          priority = Priority.ELASTIC;
        }
      }
    }
    RaftEnvelope.Builder envelope = RaftEnvelope.builder()
        .range(range)
        .from(ReplicaAddress.of(from, from.value()))
        .to(ReplicaAddress.of(to, to.value()))
        .trafficClass(classify(message))
        .priority(priority)
        .entries(entries);
    return UnsafeBytes.wrapPayload(envelope, message(message, range, from).toByteArray()).build(); // a fresh array: no copy
  }

  /**
   * {@return whether {@code message} may travel as a coalesced {@link Heartbeat}} True for an append
   * request without entries (MicroRaft's heartbeat and probe) and for every append response,
   * success or failure: each is a few tens of bytes, and of several waiting for one (range, sender,
   * receiver) only the newest matters (its term, commit index, log position and sequence numbers
   * supersede the older ones'), which is what coalescing keeps.
   *
   * @param message any MicroRaft message; not null
   */
  public static boolean isHeartbeat(RaftMessage message) {
    if (message instanceof AppendEntriesRequest) {
      return ((AppendEntriesRequest) message).getLogEntries().isEmpty();
    }
    return message instanceof AppendEntriesSuccessResponse || message instanceof AppendEntriesFailureResponse;
  }

  /**
   * The coalesced heartbeat carrying {@code message} to {@code target}: its payload is the same
   * encoding an envelope's would be.
   *
   * @param message a message {@link #isHeartbeat} accepts
   * @param target the endpoint the node sends to
   * @return a new heartbeat
   * @throws IllegalArgumentException if {@link #isHeartbeat} refuses the message, the group id is not
   *     a {@link RangeId} or an endpoint is not a {@link StoreEndpoint}
   */
  public Heartbeat encodeHeartbeat(RaftMessage message, RaftEndpoint target) {
    if (!isHeartbeat(message)) {
      throw new IllegalArgumentException(message.getClass().getSimpleName() + " cannot travel as a heartbeat");
    }
    RangeId range = rangeOf(message);
    StoreId from = StoreEndpoint.storeOf(message.getSender());
    StoreId to = StoreEndpoint.storeOf(target);
    return UnsafeBytes.wrapHeartbeat(range, ReplicaAddress.of(from, from.value()), ReplicaAddress.of(to, to.value()),
        message(message, range, from).toByteArray()); // a fresh array: no copy
  }

  private static RangeId rangeOf(RaftMessage message) {
    if (!(message.getGroupId() instanceof RangeId)) {
      throw new IllegalArgumentException("group id " + message.getGroupId() + " is not a RangeId");
    }
    return (RangeId) message.getGroupId();
  }

  /** The wire form of {@code message} without its log entries (an envelope carries those apart). */
  private Message message(RaftMessage message, RangeId range, StoreId from) {
    Message.Builder m =
        Message.newBuilder().setGroupId(range.value()).setSender(from.value()).setTerm(message.getTerm());
    if (message instanceof AppendEntriesRequest) {
      AppendEntriesRequest r = (AppendEntriesRequest) message;
      m.setAppendRequest(
          AppendRequest.newBuilder()
              .setPreviousLogTerm(r.getPreviousLogTerm())
              .setPreviousLogIndex(r.getPreviousLogIndex())
              .setCommitIndex(r.getCommitIndex())
              .setQuerySequenceNumber(r.getQuerySequenceNumber())
              .setFlowControlSequenceNumber(r.getFlowControlSequenceNumber()));
    } else if (message instanceof AppendEntriesSuccessResponse) {
      AppendEntriesSuccessResponse r = (AppendEntriesSuccessResponse) message;
      m.setAppendSuccess(AppendSuccess.newBuilder().setLastLogIndex(r.getLastLogIndex())
          .setQuerySequenceNumber(r.getQuerySequenceNumber())
          .setFlowControlSequenceNumber(r.getFlowControlSequenceNumber()));
    } else if (message instanceof AppendEntriesFailureResponse) {
      AppendEntriesFailureResponse r = (AppendEntriesFailureResponse) message;
      m.setAppendFailure(AppendFailure.newBuilder().setExpectedNextIndex(r.getExpectedNextIndex())
          .setQuerySequenceNumber(r.getQuerySequenceNumber())
          .setFlowControlSequenceNumber(r.getFlowControlSequenceNumber()));
    } else if (message instanceof VoteRequest) {
      VoteRequest r = (VoteRequest) message;
      m.setVoteRequest(Vote.newBuilder().setLastLogTerm(r.getLastLogTerm()).setLastLogIndex(r.getLastLogIndex())
          .setSticky(r.isSticky()));
    } else if (message instanceof VoteResponse) {
      m.setVoteResponse(Granted.newBuilder().setGranted(((VoteResponse) message).isGranted()));
    } else if (message instanceof PreVoteRequest) {
      PreVoteRequest r = (PreVoteRequest) message;
      m.setPreVoteRequest(LogPosition.newBuilder().setLastLogTerm(r.getLastLogTerm()).setLastLogIndex(r.getLastLogIndex()));
    } else if (message instanceof PreVoteResponse) {
      m.setPreVoteResponse(Granted.newBuilder().setGranted(((PreVoteResponse) message).isGranted()));
    } else if (message instanceof TriggerLeaderElectionRequest) {
      TriggerLeaderElectionRequest r = (TriggerLeaderElectionRequest) message;
      m.setTriggerLeaderElection(
          LogPosition.newBuilder().setLastLogTerm(r.getLastLogTerm()).setLastLogIndex(r.getLastLogIndex()));
    } else if (message instanceof InstallSnapshotRequest) {
      InstallSnapshotRequest r = (InstallSnapshotRequest) message;
      io.raftwire.adapter.microraft.wire.InstallSnapshotRequest.Builder b =
          io.raftwire.adapter.microraft.wire.InstallSnapshotRequest.newBuilder()
              .setSenderLeader(r.isSenderLeader())
              .setSnapshotTerm(r.getSnapshotTerm())
              .setSnapshotIndex(r.getSnapshotIndex())
              .setTotalSnapshotChunkCount(r.getTotalSnapshotChunkCount())
              .addAllSnapshottedMembers(storeIds(r.getSnapshottedMembers()))
              .setGroupMembersView(membersView(r.getGroupMembersView()))
              .setQuerySequenceNumber(r.getQuerySequenceNumber())
              .setFlowControlSequenceNumber(r.getFlowControlSequenceNumber());
      SnapshotChunk chunk = r.getSnapshotChunk();
      if (chunk != null) {
        b.setChunk(
            io.raftwire.adapter.microraft.wire.SnapshotChunk.newBuilder()
                .setIndex(chunk.getIndex())
                .setTerm(chunk.getTerm())
                .setOperation(ByteString.copyFrom(operations.encode(chunk.getOperation())))
                .setChunkIndex(chunk.getSnapshotChunkIndex())
                .setChunkCount(chunk.getSnapshotChunkCount())
                .setGroupMembersView(membersView(chunk.getGroupMembersView())));
      }
      m.setInstallSnapshotRequest(b);
    } else if (message instanceof InstallSnapshotResponse) {
      InstallSnapshotResponse r = (InstallSnapshotResponse) message;
      m.setInstallSnapshotResponse(
          io.raftwire.adapter.microraft.wire.InstallSnapshotResponse.newBuilder()
              .setSnapshotIndex(r.getSnapshotIndex())
              .setRequestedSnapshotChunkIndex(r.getRequestedSnapshotChunkIndex())
              .setQuerySequenceNumber(r.getQuerySequenceNumber())
              .setFlowControlSequenceNumber(r.getFlowControlSequenceNumber()));
    } else {
      throw new IllegalArgumentException("unknown MicroRaft message type " + message.getClass().getName());
    }
    return m.build();
  }

  /**
   * The MicroRaft message in {@code envelope}. Decodes only; what the message claims about its
   * sender and group is not checked here.
   *
   * @param envelope an envelope received from the transport; its payload and entries may be
   *     corrupt or hostile
   * @return the message, built with {@link #modelFactory()}
   * @throws MalformedMessageException if the payload or an entry does not decode, or a field is
   *     out of range
   */
  public RaftMessage decode(RaftEnvelope envelope) throws MalformedMessageException {
    try {
      Message m = Message.parseFrom(UnsafeBytes.payloadArray(envelope)); // read only, not kept
      if (m.getKindCase() == Message.KindCase.APPEND_REQUEST && !envelope.entries().isEmpty()
          && envelope.entries().get(0).index() != m.getAppendRequest().getPreviousLogIndex() + 1) {
        // The header and the entries travel apart (a zone fan-out agent rebuilds the message):
        // they must still describe one consistent append.
        throw new MalformedMessageException("append entries start at " + envelope.entries().get(0).index()
            + " but the header's previous log index is " + m.getAppendRequest().getPreviousLogIndex(), null);
      }
      return message(m, envelope.entries());
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new MalformedMessageException("cannot decode " + envelope + ": " + e.getMessage(), e);
    }
  }

  /**
   * The MicroRaft message in {@code heartbeat}. Decodes only, as {@link #decode(RaftEnvelope)} does.
   *
   * @param heartbeat a heartbeat received from the transport; its payload may be corrupt or hostile
   * @return the message, one {@link #isHeartbeat} accepts, built with {@link #modelFactory()}
   * @throws MalformedMessageException if the payload does not decode, a field is out of range, or it
   *     holds a message that may not travel as a heartbeat
   */
  public RaftMessage decode(Heartbeat heartbeat) throws MalformedMessageException {
    try {
      Message m = Message.parseFrom(UnsafeBytes.heartbeatPayloadArray(heartbeat)); // read only, not kept
      switch (m.getKindCase()) {
        case APPEND_REQUEST:
        case APPEND_SUCCESS:
        case APPEND_FAILURE:
          return message(m, List.of());
        default:
          throw new MalformedMessageException("a heartbeat cannot carry " + m.getKindCase(), null);
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new MalformedMessageException("cannot decode " + heartbeat + ": " + e.getMessage(), e);
    }
  }

  /** {@code m} as a MicroRaft message; {@code logEntries} are an append request's entries. */
  private RaftMessage message(Message m, List<io.raftwire.message.LogEntry> logEntries)
      throws MalformedMessageException, InvalidProtocolBufferException {
    RangeId range = RangeId.of(m.getGroupId());
    StoreEndpoint sender = StoreEndpoint.of(m.getSender());
    int term = m.getTerm();
    switch (m.getKindCase()) {
      case APPEND_REQUEST: {
        AppendRequest r = m.getAppendRequest();
        List<LogEntry> entries = new ArrayList<>(logEntries.size());
        for (io.raftwire.message.LogEntry e : logEntries) {
          entries.add(factory.createLogEntryBuilder()
              .setIndex(e.index())
              .setTerm(Math.toIntExact(e.term()))
              .setOperation(operation(Operation.parseFrom(UnsafeBytes.entryArray(e))))
              .build());
        }
        return factory.createAppendEntriesRequestBuilder().setGroupId(range).setSender(sender).setTerm(term)
            .setPreviousLogTerm(r.getPreviousLogTerm()).setPreviousLogIndex(r.getPreviousLogIndex())
            .setCommitIndex(r.getCommitIndex()).setLogEntries(entries)
            .setQuerySequenceNumber(r.getQuerySequenceNumber())
            .setFlowControlSequenceNumber(r.getFlowControlSequenceNumber()).build();
      }
      case APPEND_SUCCESS: {
        AppendSuccess r = m.getAppendSuccess();
        return factory.createAppendEntriesSuccessResponseBuilder().setGroupId(range).setSender(sender).setTerm(term)
            .setLastLogIndex(r.getLastLogIndex()).setQuerySequenceNumber(r.getQuerySequenceNumber())
            .setFlowControlSequenceNumber(r.getFlowControlSequenceNumber()).build();
      }
      case APPEND_FAILURE: {
        AppendFailure r = m.getAppendFailure();
        return factory.createAppendEntriesFailureResponseBuilder().setGroupId(range).setSender(sender).setTerm(term)
            .setExpectedNextIndex(r.getExpectedNextIndex()).setQuerySequenceNumber(r.getQuerySequenceNumber())
            .setFlowControlSequenceNumber(r.getFlowControlSequenceNumber()).build();
      }
      case VOTE_REQUEST: {
        Vote r = m.getVoteRequest();
        return factory.createVoteRequestBuilder().setGroupId(range).setSender(sender).setTerm(term)
            .setLastLogTerm(r.getLastLogTerm()).setLastLogIndex(r.getLastLogIndex()).setSticky(r.getSticky()).build();
      }
      case VOTE_RESPONSE:
        return factory.createVoteResponseBuilder().setGroupId(range).setSender(sender).setTerm(term)
            .setGranted(m.getVoteResponse().getGranted()).build();
      case PRE_VOTE_REQUEST: {
        LogPosition r = m.getPreVoteRequest();
        return factory.createPreVoteRequestBuilder().setGroupId(range).setSender(sender).setTerm(term)
            .setLastLogTerm(r.getLastLogTerm()).setLastLogIndex(r.getLastLogIndex()).build();
      }
      case PRE_VOTE_RESPONSE:
        return factory.createPreVoteResponseBuilder().setGroupId(range).setSender(sender).setTerm(term)
            .setGranted(m.getPreVoteResponse().getGranted()).build();
      case TRIGGER_LEADER_ELECTION: {
        LogPosition r = m.getTriggerLeaderElection();
        return factory.createTriggerLeaderElectionRequestBuilder().setGroupId(range).setSender(sender).setTerm(term)
            .setLastLogTerm(r.getLastLogTerm()).setLastLogIndex(r.getLastLogIndex()).build();
      }
      case INSTALL_SNAPSHOT_REQUEST: {
        io.raftwire.adapter.microraft.wire.InstallSnapshotRequest r = m.getInstallSnapshotRequest();
        SnapshotChunk chunk = null;
        if (r.hasChunk()) {
          io.raftwire.adapter.microraft.wire.SnapshotChunk c = r.getChunk();
          chunk = factory.createSnapshotChunkBuilder().setIndex(c.getIndex()).setTerm(c.getTerm())
              .setOperation(operations.decode(c.getOperation().toByteArray()))
              .setSnapshotChunkIndex(c.getChunkIndex()).setSnapshotChunkCount(c.getChunkCount())
              .setGroupMembersView(membersView(c.getGroupMembersView())).build();
        }
        return factory.createInstallSnapshotRequestBuilder().setGroupId(range).setSender(sender).setTerm(term)
            .setSenderLeader(r.getSenderLeader()).setSnapshotTerm(r.getSnapshotTerm())
            .setSnapshotIndex(r.getSnapshotIndex()).setTotalSnapshotChunkCount(r.getTotalSnapshotChunkCount())
            .setSnapshotChunk(chunk).setSnapshottedMembers(endpoints(r.getSnapshottedMembersList()))
            .setGroupMembersView(membersView(r.getGroupMembersView()))
            .setQuerySequenceNumber(r.getQuerySequenceNumber())
            .setFlowControlSequenceNumber(r.getFlowControlSequenceNumber()).build();
      }
      case INSTALL_SNAPSHOT_RESPONSE: {
        io.raftwire.adapter.microraft.wire.InstallSnapshotResponse r = m.getInstallSnapshotResponse();
        return factory.createInstallSnapshotResponseBuilder().setGroupId(range).setSender(sender).setTerm(term)
            .setSnapshotIndex(r.getSnapshotIndex()).setRequestedSnapshotChunkIndex(r.getRequestedSnapshotChunkIndex())
            .setQuerySequenceNumber(r.getQuerySequenceNumber())
            .setFlowControlSequenceNumber(r.getFlowControlSequenceNumber()).build();
      }
      default:
        throw new MalformedMessageException("no MicroRaft message in " + m.getKindCase(), null);
    }
  }

  // ------------------------------------------------------------------ persistence forms

  /**
   * The bytes of a log entry, for a {@code RaftStore}; {@link #decodeLogEntry} reverses it.
   *
   * @param entry the entry to store; its operation goes through the {@link OperationCodec} unless it
   *     is a membership change
   * @return a new array holding the entry's index, term and operation
   */
  public byte[] encodeLogEntry(LogEntry entry) {
    return StoredEntry.newBuilder()
        .setIndex(entry.getIndex())
        .setTerm(entry.getTerm())
        .setOperation(operation(entry.getOperation()))
        .build()
        .toByteArray();
  }

  /**
   * The log entry {@link #encodeLogEntry} encoded.
   *
   * @param bytes bytes read back from the store
   * @return a new log entry built with {@link #modelFactory()}
   * @throws MalformedMessageException if the bytes do not decode, for example after corruption
   */
  public LogEntry decodeLogEntry(byte[] bytes) throws MalformedMessageException {
    try {
      StoredEntry e = StoredEntry.parseFrom(bytes);
      return factory.createLogEntryBuilder().setIndex(e.getIndex()).setTerm(e.getTerm())
          .setOperation(operation(e.getOperation())).build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new MalformedMessageException("cannot decode a stored log entry: " + e.getMessage(), e);
    }
  }

  /**
   * The bytes of a snapshot chunk, for a {@code RaftStore}; {@link #decodeSnapshotChunk} reverses
   * it.
   *
   * @param chunk the chunk to store; its operation goes through the {@link OperationCodec}
   * @return a new array holding the chunk, its position and its members view
   */
  public byte[] encodeSnapshotChunk(SnapshotChunk chunk) {
    return io.raftwire.adapter.microraft.wire.SnapshotChunk.newBuilder()
        .setIndex(chunk.getIndex())
        .setTerm(chunk.getTerm())
        .setOperation(ByteString.copyFrom(operations.encode(chunk.getOperation())))
        .setChunkIndex(chunk.getSnapshotChunkIndex())
        .setChunkCount(chunk.getSnapshotChunkCount())
        .setGroupMembersView(membersView(chunk.getGroupMembersView()))
        .build()
        .toByteArray();
  }

  /**
   * The snapshot chunk {@link #encodeSnapshotChunk} encoded.
   *
   * @param bytes bytes read back from the store
   * @return a new snapshot chunk built with {@link #modelFactory()}
   * @throws MalformedMessageException if the bytes do not decode, for example after corruption
   */
  public SnapshotChunk decodeSnapshotChunk(byte[] bytes) throws MalformedMessageException {
    try {
      io.raftwire.adapter.microraft.wire.SnapshotChunk c = io.raftwire.adapter.microraft.wire.SnapshotChunk.parseFrom(bytes);
      return factory.createSnapshotChunkBuilder().setIndex(c.getIndex()).setTerm(c.getTerm())
          .setOperation(operations.decode(c.getOperation().toByteArray()))
          .setSnapshotChunkIndex(c.getChunkIndex()).setSnapshotChunkCount(c.getChunkCount())
          .setGroupMembersView(membersView(c.getGroupMembersView())).build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new MalformedMessageException("cannot decode a stored snapshot chunk: " + e.getMessage(), e);
    }
  }

  /**
   * The bytes of a group members view, for a {@code RaftStore}; {@link #decodeMembersView} reverses
   * it.
   *
   * @param view the view to store; every member must be a {@link StoreEndpoint}
   * @return a new array holding the view's log index, members and voting members
   * @throws IllegalArgumentException if a member is not a {@link StoreEndpoint}
   */
  public byte[] encodeMembersView(RaftGroupMembersView view) {
    return membersView(view).toByteArray();
  }

  /**
   * The group members view {@link #encodeMembersView} encoded.
   *
   * @param bytes bytes read back from the store
   * @return a new members view built with {@link #modelFactory()}
   * @throws MalformedMessageException if the bytes do not decode, for example after corruption
   */
  public RaftGroupMembersView decodeMembersView(byte[] bytes) throws MalformedMessageException {
    try {
      return membersView(MembersView.parseFrom(bytes));
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new MalformedMessageException("cannot decode a stored members view: " + e.getMessage(), e);
    }
  }

  /** {@return the model factory this codec builds MicroRaft objects with; never null} */
  public RaftModelFactory modelFactory() {
    return factory;
  }

  private Operation operation(Object operation) {
    if (operation instanceof UpdateRaftGroupMembersOp) {
      UpdateRaftGroupMembersOp op = (UpdateRaftGroupMembersOp) operation;
      return Operation.newBuilder()
          .setUpdateMembers(
              UpdateMembers.newBuilder()
                  .addAllMembers(storeIds(op.getMembers()))
                  .addAllVotingMembers(storeIds(op.getVotingMembers()))
                  .setEndpoint(StoreEndpoint.storeOf(op.getEndpoint()).value())
                  .setMode(wireMode(op.getMode())))
          .build();
    }
    return Operation.newBuilder().setUser(ByteString.copyFrom(operations.encode(operation))).build();
  }

  /** The wire form of a membership change mode; an explicit map, so MicroRaft's enum order is not the format. */
  private static io.raftwire.adapter.microraft.wire.MembershipChangeMode wireMode(MembershipChangeMode mode) {
    switch (mode) {
      case ADD_LEARNER:
        return io.raftwire.adapter.microraft.wire.MembershipChangeMode.ADD_LEARNER;
      case ADD_OR_PROMOTE_TO_FOLLOWER:
        return io.raftwire.adapter.microraft.wire.MembershipChangeMode.ADD_OR_PROMOTE_TO_FOLLOWER;
      case REMOVE_MEMBER:
        return io.raftwire.adapter.microraft.wire.MembershipChangeMode.REMOVE_MEMBER;
    }
    throw new IllegalArgumentException("unknown membership change mode " + mode);
  }

  private static MembershipChangeMode mode(io.raftwire.adapter.microraft.wire.MembershipChangeMode wire, int value) {
    switch (wire) {
      case ADD_LEARNER:
        return MembershipChangeMode.ADD_LEARNER;
      case ADD_OR_PROMOTE_TO_FOLLOWER:
        return MembershipChangeMode.ADD_OR_PROMOTE_TO_FOLLOWER;
      case REMOVE_MEMBER:
        return MembershipChangeMode.REMOVE_MEMBER;
      default:
        throw new IllegalArgumentException("unknown membership change mode " + value);
    }
  }

  private Object operation(Operation operation) {
    switch (operation.getKindCase()) {
      case USER:
        return operations.decode(operation.getUser().toByteArray());
      case UPDATE_MEMBERS: {
        UpdateMembers u = operation.getUpdateMembers();
        return factory.createUpdateRaftGroupMembersOpBuilder()
            .setMembers(endpoints(u.getMembersList()))
            .setVotingMembers(endpoints(u.getVotingMembersList()))
            .setEndpoint(StoreEndpoint.of(u.getEndpoint()))
            .setMode(mode(u.getMode(), u.getModeValue()))
            .build();
      }
      default:
        throw new IllegalArgumentException("log entry without an operation");
    }
  }

  private static List<Long> storeIds(Collection<RaftEndpoint> endpoints) {
    List<Long> ids = new ArrayList<>(endpoints.size());
    for (RaftEndpoint e : endpoints) {
      ids.add(StoreEndpoint.storeOf(e).value());
    }
    return ids;
  }

  private static List<RaftEndpoint> endpoints(List<Long> storeIds) {
    List<RaftEndpoint> endpoints = new ArrayList<>(storeIds.size());
    for (long id : storeIds) {
      endpoints.add(StoreEndpoint.of(id));
    }
    return endpoints;
  }

  private static MembersView membersView(RaftGroupMembersView view) {
    return MembersView.newBuilder()
        .setLogIndex(view.getLogIndex())
        .addAllMembers(storeIds(view.getMembers()))
        .addAllVotingMembers(storeIds(view.getVotingMembers()))
        .build();
  }

  private RaftGroupMembersView membersView(MembersView view) {
    return factory.createRaftGroupMembersViewBuilder()
        .setLogIndex(view.getLogIndex())
        .setMembers(endpoints(view.getMembersList()))
        .setVotingMembers(endpoints(view.getVotingMembersList()))
        .build();
  }
}
