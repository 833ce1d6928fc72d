/**
 * Who is where: identities of stores, ranges and replicas, and the locality of a store.
 *
 * <p>Every type here is an immutable value, validated in its factory method (which throws
 * {@link java.lang.IllegalArgumentException} naming the offending value), safe to share between
 * threads, and usable as a map key. Nothing here performs I/O or blocks.
 */
package io.raftwire.topology;
