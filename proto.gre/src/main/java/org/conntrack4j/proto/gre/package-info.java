/**
 * The GRE tracker (Linux's {@code nf_conntrack_proto_gre.c}), shipped because Linux tracks GRE out of the box. It is
 * also the model of a vendor's tracker bundle: built against the core's exported API and SPI alone, registered as
 * a service and picked up at runtime.
 */
package org.conntrack4j.proto.gre;
