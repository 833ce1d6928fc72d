/**
 * Credits (flow tokens) at the leader: per destination store, a regular and an elastic bucket.
 * Regular work deducts from both, elastic only from the elastic one, so regular work never waits
 * behind elastic work while elastic work waits for both. Buckets may go into debt (a proposal is
 * admitted while its buckets are positive; its entries are deducted when the transport accepts
 * them for the follower), so one large entry cannot deadlock. Deductions are tracked by (range,
 * stream, priority, log index) and returned when the follower reports "admitted up to index" or
 * the message is dropped, or all at once on disconnect, leadership loss, replica removal or close.
 */
package io.raftwire.admission.credits;
