/**
 * The SANE connection tracking helper (Linux's {@code nf_conntrack_sane.c}; Linux has no NAT half); private. The
 * helper is published as a {@code Helper} service named {@code sane}.
 */
package org.conntrack4j.helper.sane;
