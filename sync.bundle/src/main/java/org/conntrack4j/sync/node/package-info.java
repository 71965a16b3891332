/** One sync node: the receive path, the modes, the caches and the operations of conntrackd's -c -f -n -B -i -e -s. */
package org.conntrack4j.sync.node;
