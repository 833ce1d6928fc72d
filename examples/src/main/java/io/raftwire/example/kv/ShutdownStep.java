package io.raftwire.example.kv;

/**
 * The steps of {@link KvNode#close()}, in the order they run. A hook set with {@code
 * Config.Builder.shutdownObserver} hears of each one once it is done, on the closing thread, before
 * the next begins: how tests see the order without waiting on time.
 */
enum ShutdownStep {
  /** New client requests get {@code UNAVAILABLE} ("store sN is shutting down; retry on another store"). */
  CLIENTS_REFUSED,
  /** Every range this store led was handed to a follower, or its handoff failed or ran out of time. */
  LEADERSHIP_HANDED_OFF,
  /** Every Raft node of this store is terminated and no longer receives messages. */
  RAFT_NODES_TERMINATED,
  /** The client API server has stopped. */
  CLIENT_API_CLOSED,
  /** RocksDB is closed (its write-ahead log synced first). */
  STORAGE_CLOSED,
  /** The raftwire transport is closed. */
  TRANSPORT_CLOSED
}
