/**
 * What travels: the {@link io.raftwire.message.RaftEnvelope} a Raft library hands to the
 * transport, the {@link io.raftwire.message.LogEntry log entries} it carries, and how the transport
 * treats it ({@link io.raftwire.message.TrafficClass}) and the work in it ({@link
 * io.raftwire.message.Priority}).
 *
 * <p>The transport never interprets the library's payload bytes. It only reads the fields of the
 * envelope, so that it can route, prioritise and account bytes without knowing the library's wire
 * format. Every type here is an immutable value validated at construction and safe to share.
 */
package io.raftwire.message;
