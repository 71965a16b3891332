/**
 * An example of a vendor's tracker bundle: GRE (Linux's {@code nf_conntrack_proto_gre.c}), built against the
 * core's exported API and SPI alone, registered as a service and picked up at runtime.
 */
package org.conntrack4j.example.gre;
