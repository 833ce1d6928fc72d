/**
 * Durable storage of the example cluster: one RocksDB per store, shared by all its ranges (keys
 * are prefixed by range). {@link io.raftwire.example.storage.RocksStorage} opens it and restores a
 * range's Raft state; its {@code RaftStore}s persist MicroRaft's log, term, membership and snapshot
 * chunks, honouring MicroRaft's flush contract with a synced write-ahead log.
 */
package io.raftwire.example.storage;
