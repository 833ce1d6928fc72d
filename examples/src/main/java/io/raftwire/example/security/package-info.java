/**
 * Mutual TLS for the example cluster: {@link io.raftwire.example.security.ClusterCertificates}
 * makes a throwaway certificate authority, one certificate per store and one for the admin (what
 * the {@code certs} command writes), {@link io.raftwire.example.security.TlsDirectory} is the
 * layout of those files ({@code ca.crt}, {@code s<id>.crt}, {@code s<id>.key}, {@code admin.crt},
 * {@code admin.key}), and {@link io.raftwire.example.security.TlsFiles} turns one store's files
 * into the transport's {@link io.raftwire.grpc.PeerSecurity}, which does the authenticating
 * between stores. For the admin endpoint, {@link io.raftwire.example.security.AdminIdentity} is
 * who the admin is and {@link io.raftwire.example.security.AdminTls} the JDK TLS of either side.
 */
package io.raftwire.example.security;
