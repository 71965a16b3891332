package org.conntrack4j.replay.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.conntrack4j.replay.pcap.CaptureFormatException;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;

/**
 * Packets the router sent, compared from the IP header on. The kernel's egress capture is ordered by capture time
 * across two interfaces, which can differ slightly from the order of processing, so each kernel packet may match
 * any unused replay packet up to {@link #WINDOW} places away.
 */
final class EgressComparison {
    static final int WINDOW = 8;

    /** Detail key added when the replay's capture is corrupt (the frames before the damage are still scored). */
    static final String CAPTURE_ERROR = "capture_error";

    private EgressComparison() {
    }

    /** The egress part, or null when the case has no egress.pcapng. */
    static PartResult compare(Path caseDir, Path outDir, NatPortRenaming renaming, Set<String> own)
            throws IOException {
        Path kernelFile = caseDir.resolve("egress.pcapng");
        if (!Files.exists(kernelFile)) {
            return null;
        }
        List<byte[]> kernel = new ArrayList<>();
        readIpParts(kernelFile, kernel); // the case is the reference: damage there is the caller's problem
        Path replayFile = outDir.resolve("egress.pcapng");
        if (!Files.exists(replayFile)) {
            replayFile = outDir.resolve("egress.pcap");
        }
        List<byte[]> replay = new ArrayList<>();
        String captureError = null;
        if (Files.exists(replayFile) && Files.size(replayFile) > 0) { // an empty file: no packets, as compare.py
            try {
                readIpParts(replayFile, replay);
            } catch (CaptureFormatException e) {
                captureError = e.getMessage();
            }
        }
        return score(kernel, replay, renaming, own, captureError);
    }

    static PartResult score(List<byte[]> kernel, List<byte[]> replay, NatPortRenaming renaming, Set<String> own,
            String captureError) {
        Candidate[] candidates = new Candidate[replay.size()];
        for (int j = 0; j < candidates.length; j++) {
            candidates[j] = new Candidate(IpPackets.masked(replay.get(j), own), renaming);
        }
        boolean[] used = new boolean[replay.size()];
        int same = 0;
        int moved = 0;
        Integer firstBad = null;
        for (int i = 0; i < kernel.size(); i++) {
            byte[] a = IpPackets.masked(kernel.get(i), own);
            byte[] renamed = renaming.isEmpty() ? null : renaming.rewrite(a);
            int hit = -1;
            for (int j = Math.max(0, i - WINDOW); j < Math.min(replay.size(), i + WINDOW + 1); j++) {
                if (!used[j] && candidates[j].matches(a, renamed)) {
                    hit = j;
                    break;
                }
            }
            if (hit < 0) {
                if (firstBad == null) {
                    firstBad = i + 1;
                }
                continue;
            }
            used[hit] = true;
            same++;
            if (hit != i) {
                moved++;
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("got", replay.size());
        details.put("first_mismatch_idx", firstBad);
        details.put("out_of_order", moved);
        if (captureError != null) {
            details.put(CAPTURE_ERROR, captureError);
        }
        String text = firstBad != null ? "kernel packet " + firstBad + " has no match within " + WINDOW + " places"
                : replay.size() > kernel.size() ? "the replay sent " + (replay.size() - kernel.size())
                        + " packets more than the kernel"
                : captureError;
        return new PartResult("egress", same, kernel.size(), replay.size(), text, details);
    }

    /** One replay packet, masked, with what the renamed-port rule needs worked out once. */
    private static final class Candidate {
        final byte[] packet;
        /** The packet with its L4 checksum zeroed, when that checksum verifies and ports were renamed; else null. */
        final byte[] checksumZeroed;

        Candidate(byte[] packet, NatPortRenaming renaming) {
            this.packet = packet;
            this.checksumZeroed = renaming.isEmpty() || !IpPackets.l4ChecksumOk(packet) ? null : zeroChecksum(packet);
        }

        /**
         * Equal to the kernel packet; or, for a flow whose NAT port was renamed, equal to the kernel packet with
         * the replay's port once both checksums are zeroed, provided the replay's checksum was right.
         */
        boolean matches(byte[] kernel, byte[] kernelRenamed) {
            if (Arrays.equals(kernel, packet)) {
                return true;
            }
            return kernelRenamed != null && checksumZeroed != null && Arrays.equals(kernelRenamed, checksumZeroed);
        }

        private static byte[] zeroChecksum(byte[] b) {
            boolean v4 = (b[0] & 0xFF) >> 4 == 4;
            int off = v4 ? (b[0] & 15) * 4 : 40;
            // l4ChecksumOk has already seen the protocol byte, so it is there
            int protocol = b[v4 ? 9 : 6] & 0xFF;
            return IpPackets.zeroChecksum(b, off, protocol);
        }
    }

    private static void readIpParts(Path file, List<byte[]> into) throws IOException {
        try (CaptureReader reader = CaptureReader.open(file)) {
            for (CaptureFrame f = reader.next(); f != null; f = reader.next()) {
                into.add(IpPackets.ipPart(f.linkType(), f.copyBytes()));
            }
        }
    }
}
