package org.conntrack4j.replay.pcap;

import java.io.IOException;

/** The classic libpcap record loop: a 24-byte file header, then 16-byte record headers each followed by data. */
final class PcapDecoder implements FrameDecoder {
    static final int MAGIC_MICROSECONDS = 0xA1B2C3D4;
    static final int MAGIC_NANOSECONDS = 0xA1B23C4D;

    /** Records up to this length are accepted whatever the header's snap length says (tcpdump's default). */
    private static final long DEFAULT_SNAPLEN = 262144;

    private final CaptureInput input;
    private final boolean bigEndian;
    private final long fractionNanos;
    private final int linkType;
    private final long recordLimit;

    PcapDecoder(CaptureInput input) throws IOException {
        this.input = input;
        int got = input.readBlock(0, 24);
        if (got < 24) {
            throw input.error(0, "file ends inside the pcap file header (" + got + " of 24 bytes)");
        }
        byte[] b = input.block();
        int magic = Bytes.s32(b, 0, true);
        if (magic == MAGIC_MICROSECONDS || magic == MAGIC_NANOSECONDS) {
            bigEndian = true;
        } else if (magic == Integer.reverseBytes(MAGIC_MICROSECONDS) || magic == Integer.reverseBytes(MAGIC_NANOSECONDS)) {
            bigEndian = false;
            magic = Integer.reverseBytes(magic);
        } else {
            throw input.error(0, String.format("magic 0x%08x is not a pcap magic", magic));
        }
        fractionNanos = magic == MAGIC_NANOSECONDS ? 1 : 1000;
        int major = Bytes.u16(b, 4, bigEndian);
        int minor = Bytes.u16(b, 6, bigEndian);
        if (major != 2) {
            throw input.error(4, "unsupported pcap version " + major + "." + minor);
        }
        long snapLength = Bytes.u32(b, 16, bigEndian);
        linkType = Bytes.s32(b, 20, bigEndian) & 0x03FFFFFF; // the upper bits carry FCS length flags
        recordLimit = Math.min(Math.max(snapLength, DEFAULT_SNAPLEN), CaptureInput.MAX_BLOCK - 16);
    }

    @Override
    public boolean next(CaptureFrame frame) throws IOException {
        long start = input.offset();
        int got = input.readBlock(0, 16);
        if (got == 0) {
            return false;
        }
        if (got < 16) {
            throw input.error(start, "record header cut short (" + got + " of 16 bytes)");
        }
        byte[] b = input.block();
        long seconds = Bytes.u32(b, 0, bigEndian);
        long fraction = Bytes.u32(b, 4, bigEndian);
        long captured = Bytes.u32(b, 8, bigEndian);
        long original = Bytes.u32(b, 12, bigEndian);
        if (captured > recordLimit) {
            throw input.error(start, "record length " + captured + " exceeds the snap length limit of "
                    + recordLimit + " bytes");
        }
        got = input.readBlock(16, (int) captured);
        if (got < captured) {
            throw input.error(start, "record length " + captured + " runs past the end of the file (only " + got
                    + " bytes left)");
        }
        // both fields are unsigned 32-bit, so this cannot overflow a long
        long nanos = seconds * 1_000_000_000L + fraction * fractionNanos;
        frame.set(input.framesRead() + 1, 0, null, linkType, input.block(), 16, (int) captured, original);
        frame.timestamp(nanos);
        input.frameDelivered();
        return true;
    }
}
