package org.conntrack4j.replay.pcap;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The pcapng block loop (draft-ietf-opsawg-pcapng): sections in either byte order, interface descriptions,
 * enhanced, simple and obsolete packet blocks; any other block type is skipped whole.
 */
final class PcapNgDecoder implements FrameDecoder {
    static final int SECTION_HEADER = 0x0A0D0D0A;
    static final int INTERFACE_DESCRIPTION = 1;
    static final int PACKET_OBSOLETE = 2;
    static final int SIMPLE_PACKET = 3;
    static final int ENHANCED_PACKET = 6;

    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int IF_NAME = 2;
    private static final int IF_TSRESOL = 9;
    private static final int IF_TSOFFSET = 14;
    private static final int EPB_FLAGS = 2;

    private final CaptureInput input;
    private final OptionCursor options;
    /** Interfaces of the current section, by interface id; a new section starts a new list. */
    private final List<InterfaceDescription> interfaces = new ArrayList<>();
    private boolean bigEndian;
    private boolean inSection;

    PcapNgDecoder(CaptureInput input) {
        this.input = input;
        this.options = new OptionCursor(input);
    }

    @Override
    public boolean next(CaptureFrame frame) throws IOException {
        while (true) {
            long start = input.offset();
            int got = input.readBlock(0, 8);
            if (got == 0) {
                return false;
            }
            if (got < 8) {
                throw input.error(start, "file ends inside a block header (" + got + " of 8 bytes)");
            }
            int type = Bytes.s32(input.block(), 0, bigEndian); // the section type reads the same in both orders
            int headerLength = 8;
            if (type == SECTION_HEADER) {
                readByteOrder(start);
                headerLength = 12;
            } else if (!inSection) {
                throw input.error(start, "block type " + Integer.toUnsignedString(type)
                        + " before any section header block");
            }
            long length = Bytes.u32(input.block(), 4, bigEndian);
            checkLength(start, type, length);
            int len = (int) length;
            got = input.readBlock(headerLength, len - headerLength);
            if (got < len - headerLength) {
                throw input.error(start, "block length " + length + " runs past the end of the file (only "
                        + (headerLength + got) + " bytes left)");
            }
            byte[] b = input.block();
            long trailer = Bytes.u32(b, len - 4, bigEndian);
            if (trailer != length) {
                throw input.error(start, "trailing block length " + trailer
                        + " does not match the leading block length " + length);
            }
            switch (type) {
                case SECTION_HEADER:
                    startSection(start, b, len);
                    break;
                case INTERFACE_DESCRIPTION:
                    describeInterface(start, b, len);
                    break;
                case ENHANCED_PACKET:
                    packet(start, b, len, Bytes.u32(b, 8, bigEndian), frame);
                    return true;
                case PACKET_OBSOLETE:
                    packet(start, b, len, Bytes.u16(b, 8, bigEndian), frame);
                    return true;
                case SIMPLE_PACKET:
                    simplePacket(start, b, len, frame);
                    return true;
                default:
                    break; // name resolution, statistics, custom blocks: nothing the replay needs
            }
        }
    }

    private void readByteOrder(long start) throws IOException {
        int got = input.readBlock(8, 4);
        if (got < 4) {
            throw input.error(start, "file ends inside a section header block (" + (8 + got) + " of 12 bytes)");
        }
        int magic = Bytes.s32(input.block(), 8, true);
        if (magic == BYTE_ORDER_MAGIC) {
            bigEndian = true;
        } else if (magic == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
            bigEndian = false;
        } else {
            throw input.error(start + 8, String.format("byte-order magic 0x%08x is neither 1a2b3c4d nor 4d3c2b1a",
                    magic));
        }
        inSection = true;
    }

    private void checkLength(long start, int type, long length) throws CaptureFormatException {
        if (length % 4 != 0) {
            throw input.error(start, "block length " + length + " is not a multiple of 4");
        }
        int minimum = minimumLength(type);
        if (length < minimum) {
            throw input.error(start, "block length " + length + " is too small for " + blockName(type)
                    + " (minimum " + minimum + ")");
        }
        if (length > CaptureInput.MAX_BLOCK) {
            throw input.error(start, "block length " + length + " exceeds the limit of " + CaptureInput.MAX_BLOCK
                    + " bytes");
        }
    }

    private static int minimumLength(int type) {
        switch (type) {
            case SECTION_HEADER:
                return 28;
            case INTERFACE_DESCRIPTION:
                return 20;
            case ENHANCED_PACKET:
            case PACKET_OBSOLETE:
                return 32;
            case SIMPLE_PACKET:
                return 16;
            default:
                return 12;
        }
    }

    private static String blockName(int type) {
        switch (type) {
            case SECTION_HEADER:
                return "a section header block";
            case INTERFACE_DESCRIPTION:
                return "an interface description block";
            case ENHANCED_PACKET:
                return "an enhanced packet block";
            case PACKET_OBSOLETE:
                return "a packet block";
            case SIMPLE_PACKET:
                return "a simple packet block";
            default:
                return "a block of type " + Integer.toUnsignedString(type);
        }
    }

    private void startSection(long start, byte[] b, int len) throws CaptureFormatException {
        int major = Bytes.u16(b, 12, bigEndian);
        int minor = Bytes.u16(b, 14, bigEndian);
        if (major != 1) {
            throw input.error(start, "unsupported pcapng version " + major + "." + minor);
        }
        interfaces.clear();
        options.reset(b, 24, len - 4, bigEndian, start);
        while (options.next()) {
            // shb_hardware, shb_os, shb_userappl: checked for shape only
        }
    }

    private void describeInterface(long start, byte[] b, int len) throws CaptureFormatException {
        int linkType = Bytes.u16(b, 8, bigEndian);
        long snapLength = Bytes.u32(b, 12, bigEndian);
        String name = null;
        int tsresol = 6;
        long tsoffset = 0;
        options.reset(b, 16, len - 4, bigEndian, start);
        while (options.next()) {
            switch (options.code()) {
                case IF_NAME:
                    name = options.text();
                    break;
                case IF_TSRESOL:
                    if (options.length() != 1) {
                        throw input.error(options.offset(), "if_tsresol has length " + options.length()
                                + ", expected 1");
                    }
                    tsresol = b[options.valueAt()] & 0xFF;
                    break;
                case IF_TSOFFSET:
                    if (options.length() != 8) {
                        throw input.error(options.offset(), "if_tsoffset has length " + options.length()
                                + ", expected 8");
                    }
                    tsoffset = Bytes.s64(b, options.valueAt(), bigEndian);
                    break;
                default:
                    break;
            }
        }
        TimestampScale scale;
        try {
            scale = new TimestampScale(tsresol, tsoffset);
        } catch (ArithmeticException e) {
            throw input.error(start, "if_tsoffset " + tsoffset + " s does not fit in nanoseconds");
        }
        interfaces.add(new InterfaceDescription(linkType, snapLength, name, scale));
    }

    /** An enhanced or obsolete packet block: both put timestamp and lengths at 12..27 and data at 28. */
    private void packet(long start, byte[] b, int len, long interfaceId, CaptureFrame frame)
            throws CaptureFormatException {
        InterfaceDescription iface = interfaceFor(start, interfaceId);
        long ticks = Bytes.u32(b, 12, bigEndian) << 32 | Bytes.u32(b, 16, bigEndian);
        long captured = Bytes.u32(b, 20, bigEndian);
        long original = Bytes.u32(b, 24, bigEndian);
        int room = len - 32;
        if (captured > room) {
            throw input.error(start, "captured length " + captured + " exceeds the block (room for " + room
                    + " bytes)");
        }
        long nanos;
        try {
            nanos = iface.scale.toNanos(ticks);
        } catch (ArithmeticException e) {
            throw input.error(start, "timestamp " + Long.toUnsignedString(ticks)
                    + " does not fit in a 64-bit count of nanoseconds since the epoch");
        }
        int cap = (int) captured;
        frame.set(input.framesRead() + 1, (int) interfaceId, iface.name, iface.linkType, b, 28, cap, original);
        frame.timestamp(nanos);
        options.reset(b, 28 + Bytes.pad4(cap), len - 4, bigEndian, start);
        while (options.next()) {
            if (options.code() == OptionCursor.COMMENT) {
                if (frame.comment() == null) {
                    frame.comment(options.text());
                }
            } else if (options.code() == EPB_FLAGS && options.length() == 4) {
                frame.flags(Bytes.u32(b, options.valueAt(), bigEndian));
            }
        }
        input.frameDelivered();
    }

    /** A simple packet block: interface 0, no timestamp; the captured length follows from the snap length. */
    private void simplePacket(long start, byte[] b, int len, CaptureFrame frame) throws CaptureFormatException {
        InterfaceDescription iface = interfaceFor(start, 0);
        long original = Bytes.u32(b, 8, bigEndian);
        long captured = Math.min(original, len - 16);
        if (iface.snapLength != 0) {
            captured = Math.min(captured, iface.snapLength);
        }
        frame.set(input.framesRead() + 1, 0, iface.name, iface.linkType, b, 12, (int) captured, original);
        input.frameDelivered();
    }

    private InterfaceDescription interfaceFor(long start, long interfaceId) throws CaptureFormatException {
        if (interfaceId >= interfaces.size()) {
            throw input.error(start, "interface id " + interfaceId + " has no interface description block ("
                    + interfaces.size() + " in this section)");
        }
        return interfaces.get((int) interfaceId);
    }
}
