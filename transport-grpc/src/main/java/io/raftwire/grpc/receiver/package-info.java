/**
 * The receiving side of the gRPC transport. Implementation: public classes here carry no
 * compatibility promise.
 *
 * <pre>
 *  stream ─► InboundStream: parse, hello, validate (version, size, to-store, range)
 *              └─► RangeInbox[range]: CONTROL sub-queue | APPEND sub-queue (bytes + count bound)
 *                    shared receive budget for APPEND/SNAPSHOT ─► fixed worker pool ─► handler
 * </pre>
 *
 * <p>Every arriving envelope is acknowledged (the ack's watermark releases the sender's budget)
 * and, if refused, refused by sequence number with a typed code. Messages refused after they were
 * queued (handler failure, unregistration, close) are echoed back whole, since the sender forgets
 * acknowledged messages. A range is scheduled once while it has pending work, its deliveries are
 * serial, CONTROL first, and a worker delivers one batch before it yields to the next range.
 */
package io.raftwire.grpc.receiver;
