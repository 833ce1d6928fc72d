/**
 * Checks of concurrent histories recorded by cluster tests: {@link
 * io.raftwire.testkit.history.LinearizabilityChecker} decides whether the operations on one key
 * are linearizable as a register. Part of the test kit (the transport-api test-jar).
 */
package io.raftwire.testkit.history;
