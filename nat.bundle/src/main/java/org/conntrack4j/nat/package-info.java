/**
 * NAT for conntrack4j (Linux's {@code nf_nat_core.c}, {@code nf_nat_proto.c}, {@code nf_nat_masquerade.c},
 * {@code nf_nat_redirect.c}, {@code nf_nat_helper.c}): bindings, port allocation, packet rewriting. Private: the
 * API is {@code org.conntrack4j.core.nat}.
 */
package org.conntrack4j.nat;
