package io.raftwire.example.kv;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftwire.adapter.microraft.OperationCodec;
import io.raftwire.example.kv.proto.KvOp;
import io.raftwire.example.kv.proto.SnapshotChunk;
import io.raftwire.message.Priority;

/**
 * Encodes the KV operations ({@link KvOp}) and snapshot chunks ({@link SnapshotChunk}) MicroRaft
 * carries, and tells their admission priority. Thread-safe.
 */
final class KvOperations implements OperationCodec {
  private static final byte OP = 1;
  private static final byte CHUNK = 2;

  @Override
  public byte[] encode(Object operation) {
    byte[] body;
    byte kind;
    if (operation instanceof KvOp) {
      body = ((KvOp) operation).toByteArray();
      kind = OP;
    } else if (operation instanceof SnapshotChunk) {
      body = ((SnapshotChunk) operation).toByteArray();
      kind = CHUNK;
    } else {
      throw new IllegalArgumentException("not a KV operation: " + operation.getClass().getName());
    }
    byte[] bytes = new byte[body.length + 1];
    bytes[0] = kind;
    System.arraycopy(body, 0, bytes, 1, body.length);
    return bytes;
  }

  @Override
  public Object decode(byte[] bytes) {
    try {
      if (bytes.length > 0 && bytes[0] == OP) {
        return KvOp.parseFrom(java.nio.ByteBuffer.wrap(bytes, 1, bytes.length - 1));
      }
      if (bytes.length > 0 && bytes[0] == CHUNK) {
        return SnapshotChunk.parseFrom(java.nio.ByteBuffer.wrap(bytes, 1, bytes.length - 1));
      }
      throw new IllegalArgumentException("unknown KV operation kind");
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("malformed KV operation: " + e.getMessage(), e);
    }
  }

  /** The admission priority of an operation: ELASTIC only if the request said so. */
  static Priority priorityOf(Object operation) {
    return operation instanceof KvOp && ((KvOp) operation).getPriority() == io.raftwire.example.kv.proto.Priority.ELASTIC
        ? Priority.ELASTIC
        : Priority.REGULAR;
  }
}
