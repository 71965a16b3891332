package org.conntrack4j.sync.wire;

import java.util.Arrays;

/**
 * Writes one message into a reusable buffer: the header, then attributes in the order the caller puts
 * them, each padded with zeros to 4 bytes, as conntrackd's {@code put_header}/{@code addattr}. The length
 * field is kept current, so {@link #bytes()} is a finished message at any time.
 */
public final class MessageBuilder {
    private final byte[] buf = new byte[Wire.MAX_MESSAGE + 64];
    private int len;
    private boolean overflow;

    /** Starts a data message (or an 8-byte control message such as ALIVE). */
    public MessageBuilder start(int type, int flags, int seq) {
        Arrays.fill(buf, 0, Math.min(buf.length, Math.max(len, Wire.ACK_HEADER_SIZE)), (byte) 0);
        overflow = false;
        buf[0] = (byte) (Wire.VERSION << 4 | type & 0xf);
        buf[1] = (byte) flags;
        putInt(4, seq);
        len = Wire.HEADER_SIZE;
        setLength();
        return this;
    }

    /** Starts an ACK, NACK or RESYNC: a 16-byte header with the range {@code from..to}. */
    public MessageBuilder startRange(int flags, int seq, int from, int to) {
        start(Wire.T_CTL, flags, seq);
        putInt(8, from);
        putInt(12, to);
        len = Wire.ACK_HEADER_SIZE;
        setLength();
        return this;
    }

    /** Sets the HELLO / HELLO_BACK bits of the message being built (they are set at transmission). */
    public void orFlags(int flags) {
        buf[1] |= (byte) flags;
    }

    /** Sets the sequence number of the message being built. */
    public void seq(int seq) {
        putInt(4, seq);
    }

    /** @return whether an attribute did not fit into {@link Wire#MAX_MESSAGE} (the message is then unusable) */
    public boolean overflow() {
        return overflow;
    }

    private int attr(int type, int size) {
        int total = Wire.align(4 + size);
        if (len + total > Wire.MAX_MESSAGE) {
            overflow = true;
            return -1;
        }
        int at = len;
        buf[at] = (byte) ((4 + size) >> 8);
        buf[at + 1] = (byte) (4 + size);
        buf[at + 2] = (byte) (type >> 8);
        buf[at + 3] = (byte) type;
        Arrays.fill(buf, at + 4, at + total, (byte) 0);
        len += total;
        setLength();
        return at + 4;
    }

    public void u8(int type, int v) {
        int p = attr(type, 1);
        if (p >= 0) {
            buf[p] = (byte) v;
        }
    }

    public void u16(int type, int v) {
        int p = attr(type, 2);
        if (p >= 0) {
            buf[p] = (byte) (v >> 8);
            buf[p + 1] = (byte) v;
        }
    }

    /** A u16 in little-endian order: what conntrackd on a little-endian host sends for NAT ports and the ICMP id. */
    public void u16le(int type, int v) {
        int p = attr(type, 2);
        if (p >= 0) {
            buf[p] = (byte) v;
            buf[p + 1] = (byte) (v >> 8);
        }
    }

    public void u32(int type, long v) {
        int p = attr(type, 4);
        if (p >= 0) {
            putInt(p, (int) v);
        }
    }

    public void u32s(int type, long... values) {
        int p = attr(type, 4 * values.length);
        if (p >= 0) {
            for (int i = 0; i < values.length; i++) {
                putInt(p + 4 * i, (int) values[i]);
            }
        }
    }

    /** Raw bytes (addresses in network order, port pairs). */
    public void bytes(int type, byte[]... parts) {
        int size = 0;
        for (byte[] p : parts) {
            size += p.length;
        }
        int p = attr(type, size);
        if (p >= 0) {
            for (byte[] part : parts) {
                System.arraycopy(part, 0, buf, p, part.length);
                p += part.length;
            }
        }
    }

    /** Two ports in network order (nfct_attr_grp_port). */
    public void ports(int type, int sport, int dport) {
        int p = attr(type, 4);
        if (p >= 0) {
            buf[p] = (byte) (sport >> 8);
            buf[p + 1] = (byte) sport;
            buf[p + 2] = (byte) (dport >> 8);
            buf[p + 3] = (byte) dport;
        }
    }

    /** A C string with its terminating NUL. */
    public void string(int type, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        int p = attr(type, b.length + 1);
        if (p >= 0) {
            System.arraycopy(b, 0, buf, p, b.length);
        }
    }

    private void putInt(int at, int v) {
        buf[at] = (byte) (v >> 24);
        buf[at + 1] = (byte) (v >> 16);
        buf[at + 2] = (byte) (v >> 8);
        buf[at + 3] = (byte) v;
    }

    private void setLength() {
        buf[2] = (byte) (len >> 8);
        buf[3] = (byte) len;
    }

    /** @return the message length so far */
    public int length() {
        return len;
    }

    /** @return the buffer the message is in, from offset 0 for {@link #length()} bytes (reused by the next start) */
    public byte[] buffer() {
        return buf;
    }

    /** @return a copy of the message */
    public byte[] bytes() {
        return Arrays.copyOf(buf, len);
    }
}
