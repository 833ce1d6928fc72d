package io.raftwire.example.kv;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.microraft.Ordered;
import io.microraft.QueryPolicy;
import io.microraft.RaftNode;
import io.microraft.exception.CannotReplicateException;
import io.microraft.exception.IndeterminateStateException;
import io.microraft.exception.NotLeaderException;
import io.raftwire.adapter.microraft.StoreEndpoint;
import io.raftwire.example.kv.proto.Delete;
import io.raftwire.example.kv.proto.DeleteRequest;
import io.raftwire.example.kv.proto.Get;
import io.raftwire.example.kv.proto.GetRequest;
import io.raftwire.example.kv.proto.GetResponse;
import io.raftwire.example.kv.proto.KvGrpc;
import io.raftwire.example.kv.proto.KvOp;
import io.raftwire.example.kv.proto.Priority;
import io.raftwire.example.kv.proto.Put;
import io.raftwire.example.kv.proto.PutRequest;
import io.raftwire.example.kv.proto.WriteResponse;
import io.raftwire.topology.RangeId;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The client API of one store. Errors are gRPC statuses: {@code INVALID_ARGUMENT} for an empty
 * key, an oversized value or a key sent to the wrong range; {@code NOT_FOUND} for a range that does
 * not exist or is not hosted here; {@code FAILED_PRECONDITION} with the leader's store id in the
 * {@value #LEADER_KEY} trailer when this store does not lead the range; {@code UNAVAILABLE} while
 * the range has no leader, and for every request once the store is shutting down ("store sN is
 * shutting down; retry on another store", with the range's new leader in the {@value #LEADER_KEY}
 * trailer once this store follows one); {@code RESOURCE_EXHAUSTED} when the range has too many
 * pending writes. Each of these refusals comes before the operation entered the Raft log, and
 * carries the {@value #NOT_APPLIED_KEY} trailer: retrying it is safe. A write whose entry was
 * appended but whose leader stepped down before it committed ends {@code UNKNOWN} ("the outcome is
 * unknown"), without that trailer: it may still commit under the next leader, so retrying it could
 * apply it twice, after writes that came between (a resurrected value).
 */
final class KvService extends KvGrpc.KvImplBase {
  static final String LEADER_KEY = "raftwire-leader";
  static final Metadata.Key<String> LEADER = Metadata.Key.of(LEADER_KEY, Metadata.ASCII_STRING_MARSHALLER);
  static final String NOT_APPLIED_KEY = "raftwire-not-applied";
  /** On a refusal that came before the operation entered the Raft log: nothing was applied. */
  static final Metadata.Key<String> NOT_APPLIED = Metadata.Key.of(NOT_APPLIED_KEY, Metadata.ASCII_STRING_MARSHALLER);
  static final int MAX_KEY_BYTES = 4096;

  private final KvNode node;

  KvService(KvNode node) {
    this.node = node;
  }

  @Override
  public void put(PutRequest request, StreamObserver<WriteResponse> responses) {
    if (request.getValue().size() > node.maxValueBytes()) {
      responses.onError(Status.INVALID_ARGUMENT
          .withDescription("value of " + request.getValue().size() + " bytes exceeds the limit of " + node.maxValueBytes())
          .asRuntimeException(notApplied()));
      return;
    }
    KvOp op = KvOp.newBuilder()
        .setPut(Put.newBuilder().setKey(request.getKey()).setValue(request.getValue()))
        .setPriority(request.getPriority())
        .build();
    write(request.getKey(), request.getRangeId(), op, responses);
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<WriteResponse> responses) {
    KvOp op = KvOp.newBuilder()
        .setDelete(Delete.newBuilder().setKey(request.getKey()))
        .setPriority(request.getPriority())
        .build();
    write(request.getKey(), request.getRangeId(), op, responses);
  }

  private void write(ByteString key, long rangeId, KvOp op, StreamObserver<WriteResponse> responses) {
    Optional<RaftNode> raft = route(key, rangeId, responses);
    if (raft.isEmpty()) {
      return;
    }
    CompletableFuture<Ordered<Object>> replicated = node.replicate(raft.get(), op, op.getSerializedSize());
    var unused = replicated.whenComplete((ordered, error) -> {
      if (error != null) {
        responses.onError(toStatus(error, raft.get()));
      } else {
        responses.onNext(WriteResponse.newBuilder().setCommitIndex(ordered.getCommitIndex()).build());
        responses.onCompleted();
      }
    });
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> responses) {
    Optional<RaftNode> raft = route(request.getKey(), request.getRangeId(), responses);
    if (raft.isEmpty()) {
      return;
    }
    KvOp op = KvOp.newBuilder().setGet(Get.newBuilder().setKey(request.getKey())).setPriority(Priority.REGULAR).build();
    var unused = raft.get().<ByteString>query(op, QueryPolicy.LINEARIZABLE, Optional.empty(), Optional.empty())
        .whenComplete((ordered, error) -> {
          if (error != null) {
            responses.onError(toStatus(error, raft.get()));
            return;
          }
          GetResponse.Builder answer = GetResponse.newBuilder().setCommitIndex(ordered.getCommitIndex());
          if (ordered.getResult() != null) {
            answer.setFound(true).setValue(ordered.getResult());
          }
          responses.onNext(answer.build());
          responses.onCompleted();
        });
  }

  /** The range's local node, or an error sent to {@code responses}. */
  private Optional<RaftNode> route(ByteString key, long rangeId, StreamObserver<?> responses) {
    if (node.closing()) {
      responses.onError(shuttingDown(key));
      return Optional.empty();
    }
    if (key.isEmpty() || key.size() > MAX_KEY_BYTES) {
      responses.onError(Status.INVALID_ARGUMENT
          .withDescription("keys must have 1 to " + MAX_KEY_BYTES + " bytes, this one has " + key.size())
          .asRuntimeException(notApplied()));
      return Optional.empty();
    }
    RangeId range = node.ranges().rangeOf(key);
    if (rangeId != 0) {
      if (!node.ranges().exists(RangeId.of(rangeId))) {
        responses.onError(Status.NOT_FOUND
            .withDescription("range r" + rangeId + " does not exist (the cluster has " + node.ranges().rangeCount + ")")
            .asRuntimeException(notApplied()));
        return Optional.empty();
      }
      if (rangeId != range.value()) {
        responses.onError(Status.INVALID_ARGUMENT
            .withDescription("the key belongs to " + range + ", not r" + rangeId).asRuntimeException(notApplied()));
        return Optional.empty();
      }
    }
    Optional<RaftNode> raft = node.node(range);
    if (raft.isEmpty()) {
      responses.onError(Status.NOT_FOUND
          .withDescription(range + " is not hosted on " + node.store() + "; it lives on " + node.ranges().replicasOf(range))
          .asRuntimeException(notApplied()));
    }
    return raft;
  }

  /** The answer of a closing store, naming the range's leader if this store follows another one. */
  private Throwable shuttingDown(ByteString key) {
    Metadata trailers = notApplied();
    if (!key.isEmpty() && key.size() <= MAX_KEY_BYTES) {
      node.node(node.ranges().rangeOf(key)).ifPresent(raft -> {
        if (raft.getTerm().getLeaderEndpoint() instanceof StoreEndpoint leader
            && !leader.equals(raft.getLocalEndpoint())) {
          trailers.put(LEADER, Long.toString(leader.store().value()));
        }
      });
    }
    return Status.UNAVAILABLE.withDescription("store " + node.store() + " is shutting down; retry on another store")
        .asRuntimeException(trailers);
  }

  private static Metadata notApplied() {
    Metadata trailers = new Metadata();
    trailers.put(NOT_APPLIED, "true");
    return trailers;
  }

  private static Throwable toStatus(Throwable error, RaftNode raft) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof NotLeaderException) {
      // MicroRaft refuses a write on a non-leader before appending it (and fails a pending query so).
      Metadata trailers = notApplied();
      if (((NotLeaderException) cause).getLeader() instanceof StoreEndpoint) {
        trailers.put(LEADER, Long.toString(((StoreEndpoint) ((NotLeaderException) cause).getLeader()).store().value()));
        return Status.FAILED_PRECONDITION.withDescription("not the leader of " + raft.getGroupId()).asRuntimeException(trailers);
      }
      return Status.UNAVAILABLE.withDescription(raft.getGroupId() + " has no leader now").asRuntimeException(trailers);
    }
    if (cause instanceof IndeterminateStateException) {
      // Appended, not committed, and the leader stepped down: the next leader may still commit it.
      return Status.UNKNOWN.withDescription("the outcome is unknown (leader changed): the write may or may not be applied")
          .asRuntimeException();
    }
    if (cause instanceof CannotReplicateException) {
      return Status.RESOURCE_EXHAUSTED.withDescription("too many pending writes on " + raft.getGroupId())
          .asRuntimeException(notApplied());
    }
    if (cause instanceof IllegalStateException) {
      return Status.UNAVAILABLE.withDescription(cause.getMessage()).asRuntimeException();
    }
    return Status.INTERNAL.withDescription(String.valueOf(cause)).withCause(cause).asRuntimeException();
  }
}
