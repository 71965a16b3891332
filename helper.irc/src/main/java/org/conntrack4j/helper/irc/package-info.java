/**
 * The IRC DCC connection tracking helper (Linux's {@code nf_conntrack_irc.c}) and its NAT half
 * ({@code nf_nat_irc.c}); private. The helper is published as a {@code Helper} service named {@code irc}.
 */
package org.conntrack4j.helper.irc;
