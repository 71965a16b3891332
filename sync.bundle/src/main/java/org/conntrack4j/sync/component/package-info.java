/** The sync node on the live engine as a Declarative Services component, and the {@code sync:*} commands. */
package org.conntrack4j.sync.component;
