package io.raftwire.example.admin;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * An {@link SSLContext} whose engines report the first {@link SSLException} each one throws, the
 * handshake refusals that the JDK's HTTPS server otherwise only logs at TRACE and answers by
 * closing the connection: a client without a certificate, one whose chain leads to no trust root,
 * one that does not speak TLS. Everything else is the wrapped context's. Engines only: the HTTPS
 * server needs no sockets.
 */
final class HandshakeWatch {
  private HandshakeWatch() {}

  /** {@code context}, its engines reporting their first failure to {@code refused} (with the peer's host and port). */
  static SSLContext of(SSLContext context, BiConsumer<String, SSLException> refused) {
    return new Watched(new Spi(context, refused), context);
  }

  private static final class Watched extends SSLContext {
    Watched(SSLContextSpi spi, SSLContext context) {
      super(spi, context.getProvider(), context.getProtocol());
    }
  }

  private static final class Spi extends SSLContextSpi {
    private final SSLContext context;
    private final BiConsumer<String, SSLException> refused;

    Spi(SSLContext context, BiConsumer<String, SSLException> refused) {
      this.context = context;
      this.refused = refused;
    }

    @Override
    protected void engineInit(javax.net.ssl.KeyManager[] km, javax.net.ssl.TrustManager[] tm,
        java.security.SecureRandom random) {
      throw new UnsupportedOperationException("initialized already");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      throw new UnsupportedOperationException("engines only");
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      throw new UnsupportedOperationException("engines only");
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return new Engine(context.createSSLEngine(), refused);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return new Engine(context.createSSLEngine(host, port), refused);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return context.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return context.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return context.getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return context.getSupportedSSLParameters();
    }
  }

  /** Delegates everything; the first {@link SSLException} of {@code wrap} or {@code unwrap} is reported. */
  private static final class Engine extends SSLEngine {
    private final SSLEngine engine;
    private final BiConsumer<String, SSLException> refused;
    private final AtomicBoolean reported = new AtomicBoolean();

    Engine(SSLEngine engine, BiConsumer<String, SSLException> refused) {
      super(engine.getPeerHost(), engine.getPeerPort());
      this.engine = engine;
      this.refused = refused;
    }

    private SSLException report(SSLException e) {
      if (reported.compareAndSet(false, true)) {
        refused.accept(getPeerHost() + ":" + getPeerPort(), e);
      }
      return e;
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
      try {
        return engine.wrap(srcs, offset, length, dst);
      } catch (SSLException e) {
        throw report(e);
      }
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
      try {
        return engine.unwrap(src, dsts, offset, length);
      } catch (SSLException e) {
        throw report(e);
      }
    }

    @Override
    public Runnable getDelegatedTask() {
      return engine.getDelegatedTask();
    }

    @Override
    public void closeInbound() throws SSLException {
      engine.closeInbound();
    }

    @Override
    public boolean isInboundDone() {
      return engine.isInboundDone();
    }

    @Override
    public void closeOutbound() {
      engine.closeOutbound();
    }

    @Override
    public boolean isOutboundDone() {
      return engine.isOutboundDone();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return engine.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites() {
      return engine.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
      engine.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
      return engine.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
      return engine.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
      engine.setEnabledProtocols(protocols);
    }

    @Override
    public SSLSession getSession() {
      return engine.getSession();
    }

    @Override
    public SSLSession getHandshakeSession() {
      return engine.getHandshakeSession();
    }

    @Override
    public void beginHandshake() throws SSLException {
      try {
        engine.beginHandshake();
      } catch (SSLException e) {
        throw report(e);
      }
    }

    @Override
    public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
      return engine.getHandshakeStatus();
    }

    @Override
    public void setUseClientMode(boolean mode) {
      engine.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode() {
      return engine.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(boolean need) {
      engine.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
      return engine.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
      engine.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
      return engine.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
      engine.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
      return engine.getEnableSessionCreation();
    }

    @Override
    public SSLParameters getSSLParameters() {
      return engine.getSSLParameters();
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
      engine.setSSLParameters(params);
    }

    @Override
    public String getApplicationProtocol() {
      return engine.getApplicationProtocol();
    }

    @Override
    public String getHandshakeApplicationProtocol() {
      return engine.getHandshakeApplicationProtocol();
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
      engine.setHandshakeApplicationProtocolSelector(selector);
    }

    @Override
    public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
      return engine.getHandshakeApplicationProtocolSelector();
    }
  }
}
