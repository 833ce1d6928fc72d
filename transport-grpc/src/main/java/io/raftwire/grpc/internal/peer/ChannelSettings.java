package io.raftwire.grpc.internal.peer;

import io.grpc.ChannelCredentials;
import io.raftwire.topology.StoreId;
import java.util.function.Function;

/**
 * How channels to peers are built.
 *
 * @param separateData whether DATA streams get their own TCP connection (else they share CONTROL's)
 * @param maxInboundMessageBytes the largest frame a channel accepts from a peer (this store's own
 *     frame limit: answers echo at most a message this store sent)
 * @param flowControlWindowBytes the HTTP/2 flow-control window of a channel's connection and streams
 * @param credentials the credentials of the channels to a store (mutual TLS that checks the server
 *     is that store, or plaintext)
 */
public record ChannelSettings(boolean separateData, int maxInboundMessageBytes, int flowControlWindowBytes,
    Function<StoreId, ChannelCredentials> credentials) {
  public ChannelSettings {
    if (maxInboundMessageBytes <= 0) {
      throw new IllegalArgumentException("maxInboundMessageBytes must be > 0, was " + maxInboundMessageBytes);
    }
    if (flowControlWindowBytes < 65_535) {
      throw new IllegalArgumentException("flowControlWindowBytes must be >= 65535, was " + flowControlWindowBytes);
    }
  }
}
