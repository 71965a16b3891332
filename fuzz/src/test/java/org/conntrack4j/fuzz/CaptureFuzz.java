package org.conntrack4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.conntrack4j.replay.pcap.CaptureFormatException;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;

/**
 * The capture readers (pcap and pcapng, chosen by the magic as for a file): every frame is read and looked at
 * (its bytes, time, interface, comment, text); a corrupt capture must end in a {@link CaptureFormatException}
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

    private static void look(CaptureFrame f, int inputLength) {
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
