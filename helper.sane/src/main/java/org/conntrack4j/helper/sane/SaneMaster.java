package org.conntrack4j.helper.sane;

/**
 * The SANE helper's data for one control connection ({@code struct nf_ct_sane_master}): whether the client's last
 * 8-byte request was {@code SANE_NET_START}, so that the next reply is read. Written by the client's segments,
 * read and cleared by the server's, possibly on two threads: volatile, without a lock, as the kernel's
 * {@code READ_ONCE}/{@code WRITE_ONCE}.
 */
final class SaneMaster {
    volatile boolean startRequested;
}
