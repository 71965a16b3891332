/**
 * The FTP connection tracking helper (Linux's {@code nf_conntrack_ftp.c}) and its NAT half
 * ({@code nf_nat_ftp.c}); private. The helper is published as a {@code Helper} service named {@code ftp}.
 */
package org.conntrack4j.helper.ftp;
