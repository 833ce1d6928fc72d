package io.raftwire.grpc.internal.security;

import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;

/**
 * An {@link SslContext} whose engines decrypt every TLS record a socket read brought in one call.
 *
 * <p>gRPC makes its engines with {@link SslContext#newEngine}, and netty's BoringSSL contexts make
 * those in JDK compatibility mode: one record (at most 16 KiB of data) per unwrap, each into its
 * own buffer, each passed up the pipeline on its own. The engines of {@link SslContext#newHandler},
 * netty's own path, unwrap all the records that are there into one buffer; this context hands out
 * those. Everything else (protocols, ciphers, ALPN, key and trust managers, sessions) is the
 * wrapped context's. The JDK's engines have one mode, and are handed out as they are.
 */
final class RecordBatchingSslContext extends SslContext {
  private final SslContext context;

  RecordBatchingSslContext(SslContext context) {
    this.context = context;
  }

  @Override
  public boolean isClient() {
    return context.isClient();
  }

  @Override
  public List<String> cipherSuites() {
    return context.cipherSuites();
  }

  @Override
  public long sessionCacheSize() {
    return context.sessionCacheSize();
  }

  @Override
  public long sessionTimeout() {
    return context.sessionTimeout();
  }

  @Override
  @SuppressWarnings("deprecation") // abstract in SslContext: gRPC reads the ALPN protocols through it
  public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
    return context.applicationProtocolNegotiator();
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc) {
    // The handler is dropped unused: the engine is the caller's, who releases it.
    return context.newHandler(alloc).engine();
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
    return context.newHandler(alloc, peerHost, peerPort).engine();
  }

  @Override
  public SSLSessionContext sessionContext() {
    return context.sessionContext();
  }
}
