/**
 * The example key-value service: keys are split across ranges by hash, every range is a MicroRaft
 * group replicated on three stores, and its state lives in the store's RocksDB. {@link
 * io.raftwire.example.kv.KvNode} is one store; {@link io.raftwire.example.kv.KvClient} routes
 * requests to range leaders and retries on leader changes.
 */
package io.raftwire.example.kv;
