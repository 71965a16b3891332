/**
 * The PPTP connection tracking helper (Linux's {@code nf_conntrack_pptp.c}) and its NAT half ({@code nf_nat_pptp.c});
 * private. The helper is published as a {@code Helper} service named {@code pptp}; it uses the GRE tracker's key map
 * ({@code org.conntrack4j.proto.gre.keymap}) and, behind NAT, the NAT bundle's {@code Nat}.
 */
package org.conntrack4j.helper.pptp;
