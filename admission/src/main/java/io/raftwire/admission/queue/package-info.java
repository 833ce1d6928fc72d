/**
 * The admission work queue of a store: work waits here for IO tokens, ordered by priority, then
 * round robin across ranges (so one busy range cannot starve the others), then arrival.
 */
package io.raftwire.admission.queue;
