/**
 * Peer security: who is at the other end of a connection, and whether it may talk to this store.
 * Mutual TLS material that is re-read when its files change ({@code TlsMaterial}), the identity
 * rule that names a certificate's store ({@link io.raftwire.grpc.internal.security.StoreIdentity}),
 * the handshake checks of chain, store and allow-list ({@code PeerTrust}), the binding of every
 * server call to its connection's store and the per-peer connection cap ({@code Authentication}),
 * the TLS contexts on BoringSSL whose engines decrypt a whole read at once ({@code
 * RecordBatchingSslContext}), all behind {@link io.raftwire.grpc.internal.security.TransportSecurity}.
 * Internal, not API. May call grpc-java's TLS utilities, grpc-netty-shaded's netty SSL contexts,
 * the timebase, metrics and the problem log; knows nothing of Raft streams, which ask it who their
 * peer is.
 */
@NullMarked
package io.raftwire.grpc.internal.security;

import org.jspecify.annotations.NullMarked;
