/** Dedicated links: UDP unicast and multicast over IPv4 and IPv6, TCP, as conntrackd configures them. */
package org.conntrack4j.sync.channel;
