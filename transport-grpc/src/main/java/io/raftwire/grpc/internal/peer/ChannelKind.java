package io.raftwire.grpc.internal.peer;

/** What a channel to a peer carries; each kind has its own HTTP/2 connection unless shared. */
public enum ChannelKind {
  /** CONTROL streams: heartbeats, votes, responses. */
  CONTROL,
  /** DATA streams: APPEND and SNAPSHOT messages (the CONTROL connection if not separate). */
  DATA,
  /** Snapshot transfers and delegation requests: never behind or in front of Raft messages. */
  SNAPSHOT
}
