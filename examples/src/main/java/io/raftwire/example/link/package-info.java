/**
 * A TCP proxy that stands for a network link between two local ports ({@link
 * io.raftwire.example.link.LinkProxy}): pass, delay, limit bandwidth, block or drop. The fault
 * suite puts one on every directed link between stores; benchmark S11 makes a long, fast link of
 * one.
 */
package io.raftwire.example.link;
