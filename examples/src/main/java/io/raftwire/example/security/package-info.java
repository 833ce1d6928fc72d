/**
 * Mutual TLS for the example cluster: {@link io.raftwire.example.security.ClusterCertificates}
 * makes a throwaway certificate authority and one certificate per store (what the {@code certs}
 * command writes), {@link io.raftwire.example.security.TlsDirectory} is the layout of those files
 * ({@code ca.crt}, {@code s<id>.crt}, {@code s<id>.key}), and {@link
 * io.raftwire.example.security.TlsFiles} turns one store's files into the transport's {@link
 * io.raftwire.grpc.PeerSecurity}. Everything here only reads and writes PEM files; the transport
 * does the authenticating.
 */
package io.raftwire.example.security;
