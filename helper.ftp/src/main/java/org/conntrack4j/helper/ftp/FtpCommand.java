package org.conntrack4j.helper.ftp;

import org.conntrack4j.core.api.Family;

/**
 * What one parse of a command found (Linux's {@code struct nf_conntrack_man} plus {@code matchoff} and
 * {@code matchlen}): the announced address and port, and where the numbers sit in the payload. It is scratch
 * space owned by one {@link FtpMaster} and guarded by its connection's monitor, so that reading a segment
 * allocates nothing.
 */
final class FtpCommand {
    /** The address family of the connection (never changed by a parse). */
    int family;
    /** The announced address, in {@code Tuple}'s layout (IPv4 in the low word of {@link #addrLo}). */
    long addrHi;
    long addrLo;
    /** The announced port, 0..65535. */
    int port;
    /** Where the replaceable text starts, relative to the start of the TCP payload. */
    int matchOff;
    /** Its length in bytes. */
    int matchLen;

    /** Scratch for the comma- or dot-separated numbers. */
    final int[] numbers = new int[6];
    /** Scratch for an IPv6 address being parsed, before it is accepted. */
    final byte[] words = new byte[16];

    /**
     * Starts a parse with the address of the segment's sender, as the kernel does: an EPSV reply names no
     * address, so the one the connection already has stands.
     */
    void reset(int fam, long hi, long lo) {
        family = fam;
        addrHi = hi;
        addrLo = lo;
        port = 0;
        matchOff = 0;
        matchLen = 0;
    }

    /**
     * Stores a 32-bit address into the first four bytes of the address field. For an IPv6 connection this
     * replaces only the top of the address, as the kernel's {@code cmd.u3.ip} does for a PORT command or a
     * 227 reply: such an address then rarely equals the peer's, and no expectation follows.
     */
    void setFirstWord(int ip) {
        if (family == Family.IPV4) {
            addrLo = ip & 0xffffffffL;
        } else {
            addrHi = (long) ip << 32 | (addrHi & 0xffffffffL);
        }
    }

    /** Stores a whole IPv6 address from {@code b[0..15]}. */
    void setAddress16(byte[] b) {
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | (b[i] & 0xff);
            lo = lo << 8 | (b[i + 8] & 0xff);
        }
        addrHi = hi;
        addrLo = lo;
    }
}
