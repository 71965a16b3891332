/**
 * The SIP connection tracking helper (Linux's {@code nf_conntrack_sip.c}) and its NAT half ({@code nf_nat_sip.c});
 * private. The helper is published as a {@code Helper} service named {@code sip} (UDP); behind NAT it uses the NAT
 * bundle's {@code Nat}.
 */
package org.conntrack4j.helper.sip;
