/** The UDP and UDP-Lite trackers (Linux's {@code nf_conntrack_proto_udp.c}); private. */
package org.conntrack4j.proto.udp;
