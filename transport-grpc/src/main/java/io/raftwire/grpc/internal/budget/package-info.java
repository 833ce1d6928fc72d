/**
 * Byte budgets: {@link io.raftwire.grpc.internal.budget.ByteBudget}, the one implementation of
 * "take bytes if there is room, give them back later" that the sender's lanes, the receiver's
 * queues and the snapshot intake use. Internal, not API. Depends on the JDK only.
 */
@NullMarked
package io.raftwire.grpc.internal.budget;

import org.jspecify.annotations.NullMarked;
