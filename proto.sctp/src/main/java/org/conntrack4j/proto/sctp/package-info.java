/**
 * The SCTP tracker (Linux's {@code nf_conntrack_proto_sctp.c}), shipped because Linux tracks SCTP out of the box.
 * Built, like {@code proto.gre}, against the core's exported API and SPI alone; private.
 */
package org.conntrack4j.proto.sctp;
