package io.raftwire.grpc.internal.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a TLS read costs on BoringSSL: the engines raftwire hands gRPC decrypt every whole record of
 * a read in one call, where the engines gRPC makes by itself decrypt one record per call.
 */
class RecordBatchingSslContextTest {
  private static final int RECORD_DATA_BYTES = 16 * 1024;
  private static final int RECORDS = 4;

  private SslContext server;
  private SslContext client;
  private SSLEngine clientEngine;
  private SSLEngine serverEngine;

  @BeforeEach
  void contexts() throws Exception {
    assumeTrue(OpenSsl.isAvailable(), "netty-tcnative (BoringSSL) did not load here");
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=store-1");
    X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
        name, BigInteger.ONE, Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name,
        keys.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    server = GrpcSslContexts.configure(SslContextBuilder.forServer(keys.getPrivate(), certificate), SslProvider.OPENSSL)
        .build();
    client = GrpcSslContexts.configure(SslContextBuilder.forClient().trustManager(certificate), SslProvider.OPENSSL)
        .build();
  }

  @AfterEach
  void release() {
    ReferenceCountUtil.release(clientEngine);
    ReferenceCountUtil.release(serverEngine);
  }

  @Test
  void oneUnwrapDecryptsEveryRecordOfARead() throws Exception {
    SslContext batching = new RecordBatchingSslContext(server);
    assertEquals(RECORDS * RECORD_DATA_BYTES, bytesOfOneUnwrap(batching, new RecordBatchingSslContext(client)));
  }

  @Test
  void gRpcsOwnEnginesDecryptOneRecordPerUnwrap() throws Exception {
    assertEquals(RECORD_DATA_BYTES, bytesOfOneUnwrap(server, client));
  }

  @Test
  void keepsTheWrappedContextsSettings() throws Exception {
    SslContext batching = new RecordBatchingSslContext(server);
    assertEquals(server.cipherSuites(), batching.cipherSuites());
    assertEquals(server.isClient(), batching.isClient());
    bytesOfOneUnwrap(batching, new RecordBatchingSslContext(client));
    assertEquals("h2", serverEngine.getApplicationProtocol(), "gRPC needs HTTP/2 over ALPN");
    assertEquals("TLSv1.3", serverEngine.getSession().getProtocol());
  }

  /** Handshakes, lets the client send {@link #RECORDS} full records, and unwraps them on the server once. */
  private int bytesOfOneUnwrap(SslContext serverContext, SslContext clientContext) throws Exception {
    clientEngine = clientContext.newEngine(ByteBufAllocator.DEFAULT, "store-1", 443);
    serverEngine = serverContext.newEngine(ByteBufAllocator.DEFAULT);
    handshake();
    ByteBuffer wire = ByteBuffer.allocateDirect(RECORDS * clientEngine.getSession().getPacketBufferSize());
    for (int i = 0; i < RECORDS; i++) {
      ByteBuffer data = ByteBuffer.allocateDirect(RECORD_DATA_BYTES);
      SSLEngineResult wrapped = clientEngine.wrap(data, wire);
      assertEquals(RECORD_DATA_BYTES, wrapped.bytesConsumed());
    }
    wire.flip();
    ByteBuffer plain = ByteBuffer.allocateDirect(2 * RECORDS * RECORD_DATA_BYTES);
    SSLEngineResult result = serverEngine.unwrap(wire, plain);
    assertEquals(SSLEngineResult.Status.OK, result.getStatus());
    return result.bytesProduced();
  }

  private void handshake() throws Exception {
    int packet = Math.max(clientEngine.getSession().getPacketBufferSize(), serverEngine.getSession().getPacketBufferSize());
    ByteBuffer toServer = ByteBuffer.allocateDirect(4 * packet);
    ByteBuffer toClient = ByteBuffer.allocateDirect(4 * packet);
    ByteBuffer sink = ByteBuffer.allocateDirect(4 * packet);
    ByteBuffer empty = ByteBuffer.allocateDirect(0);
    clientEngine.beginHandshake();
    serverEngine.beginHandshake();
    for (int step = 0; step < 100 && !(done(clientEngine) && done(serverEngine)); step++) {
      clientEngine.wrap(empty, toServer);
      toServer.flip();
      serverEngine.unwrap(toServer, sink);
      toServer.compact();
      runTasks(serverEngine);
      serverEngine.wrap(empty, toClient);
      toClient.flip();
      clientEngine.unwrap(toClient, sink);
      toClient.compact();
      runTasks(clientEngine);
      sink.clear();
    }
    assertTrue(done(clientEngine) && done(serverEngine), "the handshake did not finish");
  }

  private static boolean done(SSLEngine engine) {
    HandshakeStatus status = engine.getHandshakeStatus();
    return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
  }

  private static void runTasks(SSLEngine engine) {
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
    }
  }
}
