/** The TCP tracker (Linux's {@code nf_conntrack_proto_tcp.c} and the TCP part of {@code nf_conntrack_seqadj.c}); private. */
package org.conntrack4j.proto.tcp;
