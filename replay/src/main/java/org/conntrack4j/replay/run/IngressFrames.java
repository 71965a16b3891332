package org.conntrack4j.replay.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.LinkHeader;
import org.conntrack4j.replay.pcap.LinkType;
import org.conntrack4j.router.Forwarder;

/**
 * What the router is given for each captured frame: the router interface it arrives on and the bytes from its
 * link-layer header on. Ethernet goes to the router whole (it checks the destination address); the other link types
 * the capture readers know are cut down to their IP packet; anything else goes as it is, and the router counts it
 * as not IP.
 *
 * <p>The recorded interface of a frame is, first found: the interface index of an SLL2 header, the pcapng
 * interface's name, the interface's number in the capture (0 for a classic pcap's one). It goes to the router
 * interface a {@code --map-iface} gives it; failing that, a pcapng name that is a router interface's is that
 * interface (kernel cases are recorded so); a frame whose capture names no interface goes where its Ethernet
 * addresses say: the interface whose own address is its destination, else the one whose neighbour's address is its
 * source (a broadcast from that neighbour), else to the fallback ({@code --in}, else the first interface); any other
 * is unmapped and reaches the router under its recorded name, which no router interface has. Link types not read,
 * unmapped interfaces and Ethernet frames whose addresses match no interface are counted for one warning each.
 */
final class IngressFrames {
    /** The label an SLL2 interface index goes by in mappings, rows and warnings. */
    static String ifindexLabel(int ifindex) {
        return "ifindex " + ifindex;
    }

    private final Map<String, String> map;
    private final Set<String> routerNames;
    private final String fallback;
    /** The router interfaces by link address: {@link #macNames}[i] owns {@link #macs}[i], its neighbour {@link #peers}[i]. */
    private final String[] macNames;
    private final long[] macs;
    private final long[] peers;
    /** Ethernet frames of a capture naming no interface whose addresses matched none, by where they went instead. */
    private int unmatchedMac;
    private final LinkHeader header = new LinkHeader();
    private final Map<Integer, Integer> unreadLinkTypes = new TreeMap<>();
    private final Map<String, Integer> unmapped = new TreeMap<>();
    private int frames;
    private int unmappedFrames;

    /** Where the current frame goes: the router interface (or the unmapped recorded name). */
    String iface;
    /** The link type the router is given ({@link Forwarder}'s numbers, or the capture's own when unread). */
    int linkType;
    /** The bytes the router is given: {@code frame.array()[offset, offset + length)}. */
    int offset;
    int length;
    /** Offset of the IP header within those bytes, or -1. */
    int network;
    /** Why the frame is not given to the router at all, or null. */
    String skip;

    /**
     * @param map recorded interface (SLL2 index in decimal, pcapng name, or interface number) to router interface
     * @param routerNames the router's interfaces
     * @param fallback where frames of a capture that names no interface go
     */
    IngressFrames(Map<String, String> map, Set<String> routerNames, String fallback) {
        this(map, routerNames, fallback, List.of());
    }

    /** As above, placing a capture's unnamed Ethernet frames by the link addresses of {@code interfaces}. */
    IngressFrames(Map<String, String> map, Set<String> routerNames, String fallback,
        List<org.conntrack4j.router.RouterInterface> interfaces) {
        this.map = map;
        this.routerNames = routerNames;
        this.fallback = fallback;
        int n = interfaces.size();
        macNames = new String[n];
        macs = new long[n];
        peers = new long[n];
        for (int i = 0; i < n; i++) {
            org.conntrack4j.router.RouterInterface r = interfaces.get(i);
            macNames[i] = r.name();
            macs[i] = mac(r.mac(), 0);
            peers[i] = r.peerMac() == null ? -1 : mac(r.peerMac(), 0);
        }
    }

    private static long mac(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    /** The interface whose address is the frame's destination, else whose neighbour's is its source, else null. */
    private String byMac(CaptureFrame f) {
        if (f.linkType() != LinkType.ETHERNET || f.capturedLength() < 12 || macs.length == 0) {
            return null;
        }
        long dst = mac(f.array(), f.offset());
        long src = mac(f.array(), f.offset() + 6);
        for (int i = 0; i < macs.length; i++) {
            if (macs[i] == dst) {
                return macNames[i];
            }
        }
        for (int i = 0; i < peers.length; i++) {
            if (peers[i] == src) {
                return macNames[i];
            }
        }
        unmatchedMac++;
        return null;
    }

    void take(CaptureFrame f) {
        frames++;
        skip = null;
        int type = f.linkType();
        boolean read = header.decode(type, f.array(), f.offset(), f.capturedLength());
        iface = route(f, header.ifindex());
        offset = f.offset();
        length = f.capturedLength();
        linkType = type;
        network = header.network();
        if (!read) {
            unreadLinkTypes.merge(type, 1, Integer::sum);
            return;
        }
        if (header.outgoing()) {
            skip = "sent by the capturing host (outgoing in its cooked header), not replayed";
            return;
        }
        if (type != LinkType.ETHERNET && header.family() != LinkHeader.NONE) {
            linkType = header.family() == 4 ? Forwarder.LINKTYPE_IPV4 : Forwarder.LINKTYPE_IPV6;
            offset += network;
            length -= network;
            network = 0;
        }
    }

    private String route(CaptureFrame f, int ifindex) {
        String name = f.interfaceName();
        String to = ifindex >= 0 ? map.get(Integer.toString(ifindex)) : null;
        if (to == null && name != null) {
            to = map.get(name);
        }
        if (to == null && name == null && ifindex < 0) {
            to = map.get(Integer.toString(f.interfaceIndex()));
        }
        if (to != null) {
            return to;
        }
        if (name != null && routerNames.contains(name)) {
            return name;
        }
        if (name == null && ifindex < 0) {
            String owner = byMac(f);
            return owner != null ? owner : fallback;
        }
        String recorded = ifindex >= 0 ? ifindexLabel(ifindex) : name;
        unmapped.merge(recorded, 1, Integer::sum);
        unmappedFrames++;
        return recorded;
    }

    /** Whether there were frames and none of them came from an interface the router has. */
    boolean noneMapped() {
        return frames > 0 && unmappedFrames == frames;
    }

    /** One line per link type not read and one for the unmapped interfaces, with their frame counts. */
    List<String> warnings() {
        List<String> w = new ArrayList<>();
        unreadLinkTypes.forEach((type, n) -> w.add("link type " + LinkType.describe(type) + " is not read: its " + n
            + " frame" + (n == 1 ? " was" : "s were") + " not replayed (counted as not IP)"));
        if (unmatchedMac > 0) {
            w.add(unmatchedMac + " of " + frames + " frames (Ethernet, of a capture that names no interface) matched no"
                + " interface's link address (destination) or neighbour's (source) and were taken as received on "
                + fallback + " (--in)");
        }
        if (unmappedFrames > 0) {
            StringBuilder b = new StringBuilder();
            unmapped.forEach((recorded, n) -> b.append(b.length() == 0 ? "" : ", ").append(recorded).append(": ")
                .append(n));
            w.add(unmappedFrames + " of " + frames + " frames came from recorded interfaces the router does not have ("
                + b + ") and were dropped; --map-iface RECORDED=ROUTER maps them");
        }
        return w;
    }
}
