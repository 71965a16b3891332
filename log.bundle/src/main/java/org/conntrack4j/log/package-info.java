/**
 * Where the Log Service's entries go (a rotated file, standard error), the {@code log:*} commands, and
 * java.util.logging routed into the Log Service: private, nothing exported.
 */
package org.conntrack4j.log;
