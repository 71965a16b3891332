package org.conntrack4j.replay.pcap;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds pcapng and pcap bytes by hand, in either byte order, to make the cases real files do not have. */
final class Blocks {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private ByteOrder order;

    Blocks(ByteOrder order) {
        this.order = order;
    }

    /** A section header block in {@code order}, which later blocks follow. */
    Blocks section(ByteOrder newOrder, byte[] options) {
        order = newOrder;
        ByteBuffer body = buffer(16 + options.length);
        body.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1).put(options);
        return block(0x0A0D0D0A, body.array());
    }

    Blocks section(ByteOrder newOrder) {
        return section(newOrder, new byte[0]);
    }

    Blocks iface(int linkType, int snapLength, byte[] options) {
        ByteBuffer body = buffer(8 + options.length);
        body.putShort((short) linkType).putShort((short) 0).putInt(snapLength).put(options);
        return block(1, body.array());
    }

    Blocks enhanced(int interfaceId, long ticks, byte[] data, int originalLength, byte[] options) {
        ByteBuffer body = buffer(20 + pad(data.length) + options.length);
        body.putInt(interfaceId).putInt((int) (ticks >>> 32)).putInt((int) ticks).putInt(data.length)
                .putInt(originalLength).put(data);
        body.position(20 + pad(data.length));
        body.put(options);
        return block(6, body.array());
    }

    Blocks obsolete(int interfaceId, long ticks, byte[] data, byte[] options) {
        ByteBuffer body = buffer(20 + pad(data.length) + options.length);
        body.putShort((short) interfaceId).putShort((short) 0).putInt((int) (ticks >>> 32)).putInt((int) ticks)
                .putInt(data.length).putInt(data.length).put(data);
        body.position(20 + pad(data.length));
        body.put(options);
        return block(2, body.array());
    }

    Blocks simple(byte[] data, int originalLength) {
        ByteBuffer body = buffer(4 + pad(data.length));
        body.putInt(originalLength).put(data);
        return block(3, body.array());
    }

    /** Any block: type, body (padded here), matching lengths. */
    Blocks block(int type, byte[] body) {
        int length = 12 + pad(body.length);
        ByteBuffer b = buffer(length);
        b.putInt(type).putInt(length).put(body);
        b.position(length - 4);
        b.putInt(length);
        out.writeBytes(b.array());
        return this;
    }

    Blocks raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Options in the current byte order: code, value pairs, then opt_endofopt. */
    byte[] options(Object... codeValue) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (int i = 0; i < codeValue.length; i += 2) {
            byte[] value = codeValue[i + 1] instanceof String
                    ? ((String) codeValue[i + 1]).getBytes(StandardCharsets.UTF_8) : (byte[]) codeValue[i + 1];
            ByteBuffer b = buffer(4 + pad(value.length));
            b.putShort((short) (int) (Integer) codeValue[i]).putShort((short) value.length).put(value);
            o.writeBytes(b.array());
        }
        o.writeBytes(new byte[4]);
        return o.toByteArray();
    }

    byte[] u32(long v) {
        return buffer(4).putInt((int) v).array();
    }

    byte[] u64(long v) {
        return buffer(8).putLong(v).array();
    }

    private ByteBuffer buffer(int n) {
        return ByteBuffer.allocate(n).order(order);
    }

    static int pad(int n) {
        return (n + 3) & ~3;
    }

    /** A classic pcap file of {@code frames}, each stamped {@code seconds}.{@code fraction}. */
    static byte[] pcap(ByteOrder order, boolean nanoseconds, int snapLength, int linkType, long seconds, long fraction,
            byte[]... frames) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(order);
        h.putInt(nanoseconds ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(snapLength).putInt(linkType);
        o.writeBytes(h.array());
        for (byte[] f : frames) {
            ByteBuffer r = ByteBuffer.allocate(16).order(order);
            r.putInt((int) seconds).putInt((int) fraction).putInt(f.length).putInt(f.length);
            o.writeBytes(r.array());
            o.writeBytes(f);
        }
        return o.toByteArray();
    }
}
