package org.conntrack4j.replay.pcap;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a little-endian pcapng capture: one section header, one interface description per interface name (in
 * the order of first use, with if_name and if_tsresol = 10^-9 so nanosecond timestamps round-trip exactly), then
 * an enhanced packet block per frame, with the comment as opt_comment when there is one. Not thread-safe.
 */
public final class PcapNgWriter implements Closeable, Flushable {
    /** Snap length announced in every interface description (tcpdump's default). */
    public static final int SNAP_LENGTH = 262144;

    private static final int SHB_USERAPPL = 4;
    private static final int IF_NAME = 2;
    private static final int IF_TSRESOL = 9;
    private static final int NANOSECONDS = 9;
    private static final byte[] PADDING = new byte[4];

    private final OutputStream out;
    private final int linkType;
    private final Map<String, Integer> interfaces = new LinkedHashMap<>();
    /**
     * The first interfaces' names by id, compared by identity (a router's port names are the same instances frame
     * after frame): no hashing per frame when frames alternate between ports.
     */
    private final String[] firstNames = new String[8];
    private final byte[] header = new byte[32];
    private int framesWritten;

    /** A writer for Ethernet frames. */
    public PcapNgWriter(OutputStream out) throws IOException {
        this(out, LinkType.ETHERNET);
    }

    /** A writer whose interfaces all have {@code linkType}; the section header is written at once. */
    public PcapNgWriter(OutputStream out, int linkType) throws IOException {
        // a FileOutput buffers already
        this.out = out instanceof FileOutput ? out : new BufferedOutputStream(Objects.requireNonNull(out, "out"), 1 << 16);
        this.linkType = linkType;
        writeSectionHeader();
    }

    /** Creates (or truncates) {@code file} and writes Ethernet frames to it. */
    public static PcapNgWriter create(Path file) throws IOException {
        OutputStream stream = FileOutput.create(file);
        try {
            return new PcapNgWriter(stream);
        } catch (IOException | RuntimeException e) {
            stream.close();
            throw e;
        }
    }

    /** Writes a frame with its whole length captured. */
    public void write(String interfaceName, long timestampNanos, byte[] data, String comment) throws IOException {
        write(interfaceName, timestampNanos, data, 0, data.length, data.length, comment);
    }

    /**
     * Writes one frame as an enhanced packet block.
     *
     * @param interfaceName the interface it was seen on; a name not seen before gets the next interface id
     * @param timestampNanos nanoseconds since the epoch, not negative
     * @param originalLength length on the wire, at least {@code length}
     * @param comment written as opt_comment, or null for none
     */
    public void write(String interfaceName, long timestampNanos, byte[] data, int offset, int length,
            long originalLength, String comment) throws IOException {
        Objects.checkFromIndexSize(offset, length, data.length);
        if (timestampNanos < 0) {
            throw new IllegalArgumentException("timestamp before the epoch: " + timestampNanos);
        }
        if (originalLength < length || originalLength > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("original length " + originalLength + " for " + length
                    + " captured bytes");
        }
        byte[] note = comment == null ? null : comment.getBytes(StandardCharsets.UTF_8);
        if (note != null && note.length > 0xFFFF) {
            throw new IllegalArgumentException("comment of " + note.length + " bytes is longer than an option");
        }
        int optionBytes = note == null ? 0 : 4 + Bytes.pad4(note.length) + 4;
        long blockLength = 32L + Bytes.pad4(length) + optionBytes;
        if (blockLength > CaptureInput.MAX_BLOCK) {
            throw new IllegalArgumentException("frame of " + length + " bytes is too long for a block");
        }
        int interfaceId = interfaceId(interfaceName);
        Bytes.putLe32(header, 0, PcapNgDecoder.ENHANCED_PACKET);
        Bytes.putLe32(header, 4, (int) blockLength);
        Bytes.putLe32(header, 8, interfaceId);
        Bytes.putLe32(header, 12, (int) (timestampNanos >>> 32));
        Bytes.putLe32(header, 16, (int) timestampNanos);
        Bytes.putLe32(header, 20, length);
        Bytes.putLe32(header, 24, (int) originalLength);
        out.write(header, 0, 28);
        out.write(data, offset, length);
        out.write(PADDING, 0, Bytes.pad4(length) - length);
        if (note != null) {
            writeOption(OptionCursor.COMMENT, note);
            writeEndOfOptions();
        }
        writeLength((int) blockLength);
        framesWritten++;
    }

    /** The id of the interface called {@code name}, writing its description first if it is new. */
    public int interfaceId(String name) throws IOException {
        Objects.requireNonNull(name, "interface name");
        for (int i = 0; i < firstNames.length && firstNames[i] != null; i++) {
            if (firstNames[i] == name) {
                return i;
            }
        }
        Integer known = interfaces.get(name);
        if (known != null) {
            return known;
        }
        byte[] text = name.getBytes(StandardCharsets.UTF_8);
        if (text.length > 0xFFFF) {
            throw new IllegalArgumentException("interface name of " + text.length + " bytes");
        }
        int length = 16 + 4 + Bytes.pad4(text.length) + 4 + 4 + 4 + 4;
        Bytes.putLe32(header, 0, PcapNgDecoder.INTERFACE_DESCRIPTION);
        Bytes.putLe32(header, 4, length);
        Bytes.putLe16(header, 8, linkType);
        Bytes.putLe16(header, 10, 0);
        Bytes.putLe32(header, 12, SNAP_LENGTH);
        out.write(header, 0, 16);
        writeOption(IF_NAME, text);
        writeOption(IF_TSRESOL, new byte[] {NANOSECONDS});
        writeEndOfOptions();
        writeLength(length);
        int id = interfaces.size();
        interfaces.put(name, id);
        if (id < firstNames.length) {
            firstNames[id] = name;
        }
        return id;
    }

    /** How many frames have been written. */
    public int framesWritten() {
        return framesWritten;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void writeSectionHeader() throws IOException {
        byte[] application = "conntrack4j".getBytes(StandardCharsets.US_ASCII);
        int length = 24 + 4 + Bytes.pad4(application.length) + 4 + 4;
        Bytes.putLe32(header, 0, PcapNgDecoder.SECTION_HEADER);
        Bytes.putLe32(header, 4, length);
        Bytes.putLe32(header, 8, 0x1A2B3C4D);
        Bytes.putLe16(header, 12, 1);
        Bytes.putLe16(header, 14, 0);
        Bytes.putLe32(header, 16, -1); // section length unknown: we stream
        Bytes.putLe32(header, 20, -1);
        out.write(header, 0, 24);
        writeOption(SHB_USERAPPL, application);
        writeEndOfOptions();
        writeLength(length);
    }

    private void writeOption(int code, byte[] value) throws IOException {
        Bytes.putLe16(header, 0, code);
        Bytes.putLe16(header, 2, value.length);
        out.write(header, 0, 4);
        out.write(value);
        out.write(PADDING, 0, Bytes.pad4(value.length) - value.length);
    }

    private void writeEndOfOptions() throws IOException {
        Bytes.putLe32(header, 0, 0);
        out.write(header, 0, 4);
    }

    private void writeLength(int length) throws IOException {
        Bytes.putLe32(header, 0, length);
        out.write(header, 0, 4);
    }
}
