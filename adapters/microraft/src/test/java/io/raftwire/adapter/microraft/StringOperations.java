package io.raftwire.adapter.microraft;

import java.nio.charset.StandardCharsets;

/** Operations that are strings, for tests. */
final class StringOperations implements OperationCodec {
  @Override
  public byte[] encode(Object operation) {
    return ((String) operation).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Object decode(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
