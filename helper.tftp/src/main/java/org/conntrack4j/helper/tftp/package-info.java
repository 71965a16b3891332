/**
 * The TFTP connection tracking helper (Linux's {@code nf_conntrack_tftp.c}) and its NAT half
 * ({@code nf_nat_tftp.c}); private. The helper is published as a {@code Helper} service named {@code tftp}.
 */
package org.conntrack4j.helper.tftp;
