package org.conntrack4j.proto.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal pcapng reader for the kernel cases: section header, interface description (name, timestamp
 * resolution) and enhanced packet blocks; everything else is skipped. Enough for the harness until the
 * replay module's reader can be used here.
 */
final class PcapNgFrames {
    /** One captured frame: the interface it arrived on, its time in nanoseconds since the epoch, its bytes. */
    record Frame(String iface, int linkType, long nanos, byte[] data) {
    }

    private PcapNgFrames() {
    }

    static List<Frame> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        List<Frame> frames = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Integer> linkTypes = new ArrayList<>();
        List<Long> unitsPerSecond = new ArrayList<>();
        while (b.remaining() >= 12) {
            int start = b.position();
            int type = b.order(ByteOrder.LITTLE_ENDIAN).getInt(start);
            if (type == 0x0A0D0D0A) {
                int magic = b.order(ByteOrder.LITTLE_ENDIAN).getInt(start + 8);
                b.order(magic == 0x1A2B3C4D ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                names.clear();
                linkTypes.clear();
                unitsPerSecond.clear();
            }
            int len = b.getInt(start + 4);
            if (len < 12 || start + len > b.limit()) {
                throw new IOException(file + ": bad block length " + len + " at " + start);
            }
            if (type == 1) {
                linkTypes.add(b.getShort(start + 8) & 0xffff);
                String name = "if" + names.size();
                long units = 1_000_000L;
                int p = start + 16;
                int end = start + len - 4;
                while (p + 4 <= end) {
                    int code = b.getShort(p) & 0xffff;
                    int olen = b.getShort(p + 2) & 0xffff;
                    if (code == 0) {
                        break;
                    }
                    if (code == 2) {
                        byte[] s = new byte[olen];
                        b.get(p + 4, s);
                        name = new String(s, StandardCharsets.UTF_8).replace("\0", "");
                    } else if (code == 9) {
                        int r = b.get(p + 4) & 0xff;
                        units = (r & 0x80) != 0 ? 1L << (r & 0x7f) : pow10(r);
                    }
                    p += 4 + ((olen + 3) & ~3);
                }
                names.add(name);
                unitsPerSecond.add(units);
            } else if (type == 6) {
                int ifId = b.getInt(start + 8);
                long ts = (b.getInt(start + 12) & 0xffffffffL) << 32 | (b.getInt(start + 16) & 0xffffffffL);
                int caplen = b.getInt(start + 20);
                byte[] data = new byte[caplen];
                b.get(start + 28, data);
                long units = unitsPerSecond.get(ifId);
                long nanos = ts / units * 1_000_000_000L + (ts % units) * 1_000_000_000L / units;
                frames.add(new Frame(names.get(ifId), linkTypes.get(ifId), nanos, data));
            }
            b.position(start + len);
        }
        return frames;
    }

    private static long pow10(int n) {
        long v = 1;
        for (int i = 0; i < n; i++) {
            v *= 10;
        }
        return v;
    }
}
