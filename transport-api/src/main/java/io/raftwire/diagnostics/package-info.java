/**
 * Reporting what peers get wrong without letting them flood the log: {@link
 * io.raftwire.diagnostics.ProblemLog} writes one line per source and reason per interval, with a
 * count of what it held back. For transports and adapters, which count every problem in a metric
 * as well. JDK types only.
 */
package io.raftwire.diagnostics;
