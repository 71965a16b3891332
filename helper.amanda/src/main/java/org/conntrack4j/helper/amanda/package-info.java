/**
 * The Amanda connection tracking helper (Linux's {@code nf_conntrack_amanda.c}) and its NAT half
 * ({@code nf_nat_amanda.c}); private. The helper is published as a {@code Helper} service named {@code amanda}.
 */
package org.conntrack4j.helper.amanda;
