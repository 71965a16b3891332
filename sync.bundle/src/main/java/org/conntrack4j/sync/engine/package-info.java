/** The engine integration: the live table as the sync node's {@code SyncTable}, and its events as the node's. */
package org.conntrack4j.sync.engine;
