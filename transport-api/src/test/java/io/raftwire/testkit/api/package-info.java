/**
 * A module's public API as reviewable text: {@link io.raftwire.testkit.api.PublicApi} lists every
 * public type and member of a compiled module and compares the list with a file checked in beside
 * the module, so a change to the API shows up in review as a change to that file.
 *
 * <p>raftwire checks each library module this way in {@code mvn verify}; an adapter or transport
 * of your own can do the same.
 */
package io.raftwire.testkit.api;
