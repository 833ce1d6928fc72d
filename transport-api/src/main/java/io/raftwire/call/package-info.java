/**
 * Request/response over one-way envelopes: {@link io.raftwire.call.CallTable} correlates the calls
 * an adapter has in flight with their answers, bounds them, and ends each exactly once (answer,
 * failure, or deadline on an injected clock). For adapters whose Raft library expects RPCs (sofa-jraft,
 * Apache Ratis); how a call's end reaches the library (a callback, a future, which exception) stays
 * the adapter's. JDK types only.
 */
package io.raftwire.call;
