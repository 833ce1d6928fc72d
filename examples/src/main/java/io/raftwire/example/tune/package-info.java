/**
 * The tuner: reads a running store's {@code /metrics} over a window and proposes budgets with the
 * reason for each. {@link io.raftwire.example.tune.Scrape} parses the Prometheus text of one
 * scrape; {@link io.raftwire.example.tune.Tuner} turns a window of scrapes into {@link
 * io.raftwire.example.tune.Tuner.Proposal}s for the store's live settings (which {@code raftwire-kv
 * admin set} applies) and {@link io.raftwire.example.tune.Tuner.Advice} for what is not a live
 * setting; {@code raftwire-kv tune} prints them.
 */
package io.raftwire.example.tune;
