/**
 * The ICMP and ICMPv6 trackers (Linux's {@code nf_conntrack_proto_icmp.c}, {@code nf_conntrack_proto_icmpv6.c}
 * and the shared error path {@code nf_conntrack_inet_error}); private.
 */
package org.conntrack4j.proto.icmp;
