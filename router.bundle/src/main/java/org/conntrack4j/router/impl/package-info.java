/**
 * The router's implementation: forwarding ({@code ForwarderImpl}), the routing table, the local stack's answers
 * and ICMP errors with the kernel's rate limit, fragmentation on output, record route.
 */
package org.conntrack4j.router.impl;
