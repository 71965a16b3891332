package org.conntrack4j.proto.icmp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough pcapng for the recorded kernel cases: section headers (either byte order), interface
 * descriptions (name, timestamp resolution) and enhanced packet blocks. The replay module has the full
 * reader; this one keeps the module's tests free of a dependency on it.
 */
final class PcapNgReader {
    /** One captured frame: the interface it was seen on, when, and its bytes (from the link header on). */
    static final class Frame {
        final String iface;
        final long nanos;
        final byte[] data;

        Frame(String iface, long nanos, byte[] data) {
            this.iface = iface;
            this.nanos = nanos;
            this.data = data;
        }
    }

    private static final int SECTION_HEADER = 0x0A0D0D0A;
    private static final int INTERFACE_DESCRIPTION = 1;
    private static final int ENHANCED_PACKET = 6;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int OPT_IF_NAME = 2;
    private static final int OPT_IF_TSRESOL = 9;

    private PcapNgReader() {
    }

    static List<Frame> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Frame> frames = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Long> ticksPerSecond = new ArrayList<>();
        int off = 0;
        while (off + 12 <= b.limit()) {
            int type = b.getInt(off);
            if (type == SECTION_HEADER) {
                b.order(b.getInt(off + 8) == BYTE_ORDER_MAGIC ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                if (b.getInt(off + 8) != BYTE_ORDER_MAGIC) {
                    throw new IOException(file + ": bad byte-order magic");
                }
                names.clear();
                ticksPerSecond.clear();
            }
            int len = b.getInt(off + 4);
            if (len < 12 || off + len > b.limit()) {
                throw new IOException(file + ": bad block length " + len + " at " + off);
            }
            if (type == INTERFACE_DESCRIPTION) {
                String name = "if" + names.size();
                long ticks = 1_000_000L;
                for (int o = off + 16; o + 4 <= off + len - 4; ) {
                    int code = b.getShort(o) & 0xffff;
                    int olen = b.getShort(o + 2) & 0xffff;
                    if (code == 0) {
                        break;
                    }
                    if (code == OPT_IF_NAME) {
                        byte[] s = new byte[olen];
                        b.get(o + 4, s);
                        name = new String(s, StandardCharsets.UTF_8).replace("\0", "");
                    } else if (code == OPT_IF_TSRESOL) {
                        ticks = ticksPerSecond(b.get(o + 4));
                    }
                    o += 4 + (olen + 3) / 4 * 4;
                }
                names.add(name);
                ticksPerSecond.add(ticks);
            } else if (type == ENHANCED_PACKET) {
                int ifid = b.getInt(off + 8);
                long ts = (b.getInt(off + 12) & 0xffffffffL) << 32 | (b.getInt(off + 16) & 0xffffffffL);
                int caplen = b.getInt(off + 20);
                byte[] data = new byte[caplen];
                b.get(off + 28, data);
                long tps = ticksPerSecond.get(ifid);
                long nanos = ts / tps * 1_000_000_000L + ts % tps * 1_000_000_000L / tps;
                frames.add(new Frame(names.get(ifid), nanos, data));
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
