package io.raftwire.adapter.jraft.codec;

import com.alipay.sofa.jraft.rpc.CliRequests;
import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jraft message types the codec knows, each with a stable 32-bit id derived from its Java class
 * name (the first four bytes of its SHA-256), so that every process computes the same ids without a
 * shared table. jraft's own request and response types are known from the start; user types (the
 * messages of user {@code RpcProcessor}s) are added through {@link #register}, which jraft's
 * {@code RaftRpcFactory#registerProtobufSerializer} calls.
 *
 * <p>Process-wide, like jraft's own serializer registry. Thread-safe. Bounded by the classes a
 * program registers (code, not input: decoding never adds a type).
 */
public final class MessageTypes {
  private static final Map<String, Integer> ids = new ConcurrentHashMap<>();
  private static final Map<Integer, Message> prototypes = new ConcurrentHashMap<>();

  static {
    for (Class<?> outer : new Class<?>[] {RpcRequests.class, CliRequests.class}) {
      for (Class<?> type : outer.getDeclaredClasses()) {
        if (Message.class.isAssignableFrom(type)) {
          try {
            register(type.getName(), (Message) type.getMethod("getDefaultInstance").invoke(null));
          } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
          }
        }
      }
    }
  }

  private MessageTypes() {}

  /**
   * Makes {@code className} known, with the default instance whose parser decodes it. Registering
   * a class again is a no-op.
   *
   * @param className the message's fully qualified class name; its type id on the wire is derived
   *     from it, so every process must use the same name; not null
   * @param defaultInstance the class's default instance ({@code getDefaultInstance()}); not null
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the default instance is not of {@code className}
   * @throws IllegalStateException if another class has the same id (rename one of them)
   */
  public static void register(String className, Message defaultInstance) {
    Objects.requireNonNull(className, "className");
    Objects.requireNonNull(defaultInstance, "defaultInstance");
    if (!defaultInstance.getClass().getName().equals(className)) {
      throw new IllegalArgumentException(defaultInstance.getClass().getName() + " is not " + className);
    }
    int id = idOf(className);
    Message existing = prototypes.putIfAbsent(id, defaultInstance.getDefaultInstanceForType());
    if (existing != null && !existing.getClass().getName().equals(className)) {
      throw new IllegalStateException(
          className + " and " + existing.getClass().getName() + " have the same type id " + id);
    }
    ids.put(className, id);
  }

  /**
   * {@return whether {@code className} is known: jraft's own, or registered}
   *
   * @param className a fully qualified class name; not null
   */
  public static boolean isKnown(String className) {
    return ids.containsKey(className);
  }

  /** The id of {@code message}'s type; registers the type if it was not known yet. */
  static int typeOf(Message message) {
    Integer id = ids.get(message.getClass().getName());
    if (id == null) {
      register(message.getClass().getName(), message.getDefaultInstanceForType());
      id = ids.get(message.getClass().getName());
    }
    return id;
  }

  /** The class name of type {@code id}, or null if unknown. */
  static String nameOf(int id) {
    Message prototype = prototypes.get(id);
    return prototype == null ? null : prototype.getClass().getName();
  }

  static Message parse(int id, ByteString body) throws MalformedFrameException {
    Message prototype = prototypes.get(id);
    if (prototype == null) {
      throw new MalformedFrameException(MalformedFrameException.Problem.UNKNOWN_TYPE, "type id " + id);
    }
    try {
      return prototype.getParserForType().parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedFrameException(MalformedFrameException.Problem.UNPARSEABLE_BODY,
          prototype.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  static int idOf(String className) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(className.getBytes(StandardCharsets.UTF_8));
      return ((digest[0] & 0xff) << 24) | ((digest[1] & 0xff) << 16) | ((digest[2] & 0xff) << 8) | (digest[3] & 0xff);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
