package org.conntrack4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.conntrack4j.replay.pcap.CaptureFormatException;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;
import org.conntrack4j.replay.pcap.LinkHeader;
import org.conntrack4j.replay.pcap.LinkType;

/**
 * The capture readers (pcap and pcapng, chosen by the magic as for a file): every frame is read and looked at
 * (its bytes, time, interface, comment, text, and its link header read as its own link type and as each one the
 * replay reads); a corrupt capture must end in a {@link CaptureFormatException}
 * that names the capture and an offset within it. Anything else thrown is a finding; so is a frame claiming more
 * bytes than the capture holds.
 */
public class CaptureFuzz {
    private static final String NAME = "fuzz.pcapng";

    public static void fuzzerTestOneInput(byte[] data) throws IOException {
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(data), NAME)) {
            for (CaptureFrame f = r.next(); f != null; f = r.next()) {
                look(f, data.length);
            }
        } catch (CaptureFormatException e) {
            if (!e.getMessage().contains(NAME) || e.offset() < 0 || e.offset() > data.length) {
                throw new IllegalStateException("a corrupt capture's message must name it and an offset in it: "
                    + e.getMessage() + " (offset " + e.offset() + " of " + data.length + ")", e);
            }
        }
    }

    @FuzzTest
    void captures(byte[] data) throws IOException {
        fuzzerTestOneInput(data);
    }

    private static final int[] LINK_TYPES = {LinkType.NULL, LinkType.ETHERNET, LinkType.PPP, LinkType.RAW_12,
        LinkType.RAW_14, LinkType.PPP_HDLC, LinkType.RAW, LinkType.LOOP, LinkType.LINUX_SLL, LinkType.IPV4,
        LinkType.IPV6, LinkType.LINUX_SLL2};
    private static final LinkHeader HEADER = new LinkHeader();

    /** The IP packet a link header points at must lie within the frame. */
    private static void link(CaptureFrame f, int linkType) {
        HEADER.decode(linkType, f.array(), f.offset(), f.capturedLength());
        if (HEADER.family() != LinkHeader.NONE && (HEADER.network() < 0 || HEADER.network() >= f.capturedLength())) {
            throw new IllegalStateException("frame " + f.index() + " as link type " + linkType + ": IP header at "
                + HEADER.network() + " of " + f.capturedLength() + " bytes");
        }
        LinkType.describe(linkType);
    }

    private static void look(CaptureFrame f, int inputLength) {
        link(f, f.linkType());
        for (int type : LINK_TYPES) {
            link(f, type);
        }
        if (f.capturedLength() < 0 || f.capturedLength() > inputLength) {
            throw new IllegalStateException("frame " + f.index() + " of " + f.capturedLength() + " bytes from "
                + inputLength);
        }
        int sum = 0;
        for (int i = 0; i < f.capturedLength(); i++) {
            sum += f.getUnsignedByte(i);
        }
        if (f.copyBytes().length != f.capturedLength() || sum < 0) {
            throw new IllegalStateException("frame " + f.index() + ": copy differs from its length");
        }
        f.timestampNanos();
        f.interfaceIndex();
        f.interfaceName();
        f.linkType();
        f.originalLength();
        f.comment();
        f.flags();
        f.toString();
    }
}
