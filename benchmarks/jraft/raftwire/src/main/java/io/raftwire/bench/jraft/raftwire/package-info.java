/**
 * S7's raftwire column: {@link io.raftwire.bench.jraft.raftwire.RaftwireSetup} starts each store's
 * gRPC transport and installs it for jraft. May call the jraft adapter and the gRPC transport's
 * public API.
 */
package io.raftwire.bench.jraft.raftwire;
