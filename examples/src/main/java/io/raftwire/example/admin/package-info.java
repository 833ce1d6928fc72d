/**
 * The admin surface of a running store: its live settings (the transport's budgets, the
 * receiver's queue bounds, the example's disk), each with its current value, default and unit,
 * changed without a restart. {@link io.raftwire.example.admin.NodeSettings} holds them and
 * validates every change; {@link io.raftwire.example.admin.AdminServer} serves them over HTTP on
 * the loopback interface, or, when the store runs over mutual TLS, over HTTPS to the admin
 * certificate only ({@link io.raftwire.example.security.AdminIdentity}); {@code raftwire-kv admin}
 * is its client.
 */
package io.raftwire.example.admin;
