package org.conntrack4j.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a whole capture for a test: pcapng (section headers in either byte order, interface descriptions with
 * their names and timestamp resolutions, enhanced and simple packet blocks; other blocks skipped) or classic
 * pcap (micro- or nanosecond, either byte order; interface {@code if0}). A damaged file is an IOException naming
 * the file and offset. The replay has the product's streaming reader; this one is the tests' single reader.
 */
public final class Capture {
    /** Ethernet, the link type of the kernel cases. */
    public static final int LINKTYPE_ETHERNET = 1;
    /** Raw IP, no link header. */
    public static final int LINKTYPE_RAW = 101;

    /**
     * One captured frame: the interface it was seen on, its link type, its time in nanoseconds since the epoch,
     * and its bytes from the link header on.
     */
    public record Frame(String iface, int linkType, long nanos, byte[] data) {
        /** The IP packet inside an Ethernet (or raw IP) frame, trimmed to the IP length (Ethernet padding off). */
        public byte[] ip() {
            int off = linkType == LINKTYPE_ETHERNET ? 14 : 0;
            byte[] b = Arrays.copyOfRange(data, Math.min(off, data.length), data.length);
            return Arrays.copyOf(b, Math.min(b.length, Packets.ipLength(b)));
        }
    }

    private static final int SECTION_HEADER = 0x0A0D0D0A;
    private static final int INTERFACE_DESCRIPTION = 1;
    private static final int SIMPLE_PACKET = 3;
    private static final int ENHANCED_PACKET = 6;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;

    private Capture() {
    }

    /** Every frame of the capture, in file order. */
    public static List<Frame> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 24) {
            throw new IOException(file + ": too short for a capture");
        }
        return b.getInt(0) == SECTION_HEADER ? pcapng(file, b) : pcap(file, b);
    }

    private static List<Frame> pcap(Path file, ByteBuffer b) throws IOException {
        int magic = b.getInt(0);
        long unit;
        if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
            b.order(ByteOrder.LITTLE_ENDIAN);
        } else if (Integer.reverseBytes(magic) == 0xa1b2c3d4 || Integer.reverseBytes(magic) == 0xa1b23c4d) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = Integer.reverseBytes(magic);
        } else {
            throw new IOException(file + ": neither pcap nor pcapng");
        }
        unit = magic == 0xa1b23c4d ? 1 : 1000;
        int linkType = b.getInt(20) & 0xffff;
        List<Frame> frames = new ArrayList<>();
        int off = 24;
        while (off + 16 <= b.limit()) {
            long sec = b.getInt(off) & 0xffffffffL;
            long frac = b.getInt(off + 4) & 0xffffffffL;
            int caplen = b.getInt(off + 8);
            if (caplen < 0 || off + 16 + caplen > b.limit()) {
                throw new IOException(file + ": bad record length " + caplen + " at offset " + off);
            }
            byte[] data = new byte[caplen];
            b.get(off + 16, data);
            frames.add(new Frame("if0", linkType, sec * 1_000_000_000L + frac * unit, data));
            off += 16 + caplen;
        }
        return frames;
    }

    private static List<Frame> pcapng(Path file, ByteBuffer b) throws IOException {
        List<Frame> frames = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Integer> linkTypes = new ArrayList<>();
        List<Long> ticksPerSecond = new ArrayList<>();
        int off = 0;
        while (off + 12 <= b.limit()) {
            int type = b.order(ByteOrder.LITTLE_ENDIAN).getInt(off);
            if (type == SECTION_HEADER) {
                int m = b.getInt(off + 8);
                if (m != BYTE_ORDER_MAGIC && Integer.reverseBytes(m) != BYTE_ORDER_MAGIC) {
                    throw new IOException(file + ": bad byte-order magic at offset " + off);
                }
                b.order(m == BYTE_ORDER_MAGIC ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                names.clear();
                linkTypes.clear();
                ticksPerSecond.clear();
            }
            int len = b.getInt(off + 4);
            if (len < 12 || (len & 3) != 0 || off + len > b.limit()) {
                throw new IOException(file + ": bad block length " + len + " at offset " + off);
            }
            if (type == INTERFACE_DESCRIPTION) {
                linkTypes.add(b.getShort(off + 8) & 0xffff);
                String name = "if" + names.size();
                long ticks = 1_000_000L;
                for (int o = off + 16; o + 4 <= off + len - 4;) {
                    int code = b.getShort(o) & 0xffff;
                    int olen = b.getShort(o + 2) & 0xffff;
                    if (code == 0) {
                        break;
                    }
                    if (code == 2) {
                        byte[] s = new byte[olen];
                        b.get(o + 4, s);
                        name = new String(s, StandardCharsets.UTF_8).replace("\0", "");
                    } else if (code == 9) {
                        ticks = ticksPerSecond(b.get(o + 4));
                    }
                    o += 4 + ((olen + 3) & ~3);
                }
                names.add(name);
                ticksPerSecond.add(ticks);
            } else if (type == ENHANCED_PACKET || type == SIMPLE_PACKET) {
                int ifid = type == ENHANCED_PACKET ? b.getInt(off + 8) : 0;
                if (ifid < 0 || ifid >= names.size()) {
                    throw new IOException(file + ": packet of undescribed interface " + ifid + " at offset " + off);
                }
                int dataOff = type == ENHANCED_PACKET ? off + 28 : off + 12;
                int caplen = type == ENHANCED_PACKET ? b.getInt(off + 20) : Math.min(b.getInt(off + 8), len - 16);
                if (caplen < 0 || dataOff + caplen > off + len) {
                    throw new IOException(file + ": bad captured length " + caplen + " at offset " + off);
                }
                byte[] data = new byte[caplen];
                b.get(dataOff, data);
                long nanos = 0;
                if (type == ENHANCED_PACKET) {
                    long ts = (b.getInt(off + 12) & 0xffffffffL) << 32 | (b.getInt(off + 16) & 0xffffffffL);
                    long tps = ticksPerSecond.get(ifid);
                    nanos = ts / tps * 1_000_000_000L + ts % tps * 1_000_000_000L / tps;
                }
                frames.add(new Frame(names.get(ifid), linkTypes.get(ifid), nanos, data));
            }
            off += len;
        }
        return frames;
    }

    /** {@code if_tsresol}: a tick is 10^-n seconds, or 2^-n when the top bit is set. */
    private static long ticksPerSecond(byte v) {
        int n = v & 0x7f;
        long ticks = 1;
        for (int i = 0; i < n; i++) {
            ticks *= (v & 0x80) == 0 ? 10 : 2;
        }
        return ticks;
    }
}
