package org.conntrack4j.replay.compare;

/** Recomputes checksums of test packets after an edit. */
final class Checksums {
    private Checksums() {
    }

    /** Recomputes the TCP or UDP checksum of the IPv4 packet at {@code ip} in {@code frame}. */
    static void fixIpv4L4(byte[] frame, int ip) {
        int ihl = (frame[ip] & 15) * 4;
        int protocol = frame[ip + 9] & 0xFF;
        int total = (frame[ip + 2] & 0xFF) << 8 | (frame[ip + 3] & 0xFF);
        int l4 = ip + ihl;
        int length = total - ihl;
        int at = l4 + (protocol == 6 ? 16 : 6);
        frame[at] = 0;
        frame[at + 1] = 0;
        long sum = words(frame, ip + 12, 8) + protocol + length + words(frame, l4, length);
        while (sum >> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        int checksum = (int) ~sum & 0xFFFF;
        if (protocol == 17 && checksum == 0) {
            checksum = 0xFFFF;
        }
        frame[at] = (byte) (checksum >> 8);
        frame[at + 1] = (byte) checksum;
    }

    private static long words(byte[] b, int from, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = b[from + i] & 0xFF;
            int lo = i + 1 < length ? b[from + i + 1] & 0xFF : 0;
            sum += hi << 8 | lo;
        }
        return sum;
    }
}
