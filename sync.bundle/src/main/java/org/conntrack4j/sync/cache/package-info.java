/** The internal and external caches, the Filter, and the text dumps and statistics of conntrackd -i, -e, -s. */
package org.conntrack4j.sync.cache;
