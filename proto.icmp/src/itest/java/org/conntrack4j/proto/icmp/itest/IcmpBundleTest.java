package org.conntrack4j.proto.icmp.itest;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URL;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.core.spi.GenericTracker;
import org.conntrack4j.core.spi.L4Tracker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectService;

/**
 * The ICMP bundle in a running framework: its two trackers are registered with their whiteboard
 * properties and serve the live engine; stopping the bundle hands ICMP back to the generic tracker and
 * destroys the ICMP connections (only those); starting it, or installing it again, brings it back.
 */
class IcmpBundleTest {
    private static final String BSN = "org.conntrack4j.proto.icmp";

    @InjectService
    Conntrack conntrack;

    /** The test bundle's own context: bundles installed through it outlive the test. */
    private final BundleContext own = FrameworkUtil.getBundle(IcmpBundleTest.class).getBundleContext();

    private Bundle icmp() {
        return Arrays.stream(own.getBundles()).filter(b -> BSN.equals(b.getSymbolicName())).findFirst().orElseThrow();
    }

    @AfterEach
    void restore() throws Exception {
        Bundle b = icmp();
        if (b.getState() != Bundle.ACTIVE) {
            b.start();
        }
        conntrack.table().delete(null);
    }

    @Test
    void bothTrackersAreRegisteredWithTheirProperties() throws Exception {
        List<Integer> protocols = new java.util.ArrayList<>();
        for (ServiceReference<L4Tracker> ref : own.getServiceReferences(L4Tracker.class, null)) {
            if (ref.getBundle().getSymbolicName().equals(BSN)) {
                protocols.add((Integer) ref.getProperty(L4Tracker.PROTOCOL));
                assertTrue(Arrays.asList((String[]) ref.getProperty(L4Tracker.FAMILY)).contains("ipv4"));
            }
        }
        protocols.sort(null);
        assertEquals(List.of(1, 58), protocols);
        assertEquals("icmp", conntrack.services().tracker(Family.IPV4, 1).name());
        assertEquals("icmpv6", conntrack.services().tracker(Family.IPV6, 58).name());
        assertEquals(30L, conntrack.settings().active().get("nf_conntrack_icmp_timeout"));
        assertEquals(30L, conntrack.settings().active().get("nf_conntrack_icmpv6_timeout"));
    }

    @Test
    void stoppingTheBundleDestroysIcmpConnectionsAndStartingItTracksAgain() throws Exception {
        assertEquals("new", ping(11));
        assertEquals("established", reply(11));
        assertEquals(1, icmpEntries());

        icmp().stop();
        assertInstanceOf(GenericTracker.class, conntrack.services().tracker(Family.IPV4, 1));
        assertEquals(0, icmpEntries(), "ICMP connections are destroyed with their tracker");
        assertFalse(conntrack.settings().active().containsKey("nf_conntrack_icmp_timeout"));

        icmp().start();
        assertEquals("icmp", conntrack.services().tracker(Family.IPV4, 1).name());
        assertEquals("invalid", reply(12), "a lone echo reply is refused again");
        assertEquals("new", ping(12));
        assertEquals(1, icmpEntries());
    }

    @Test
    void uninstallingAndInstallingTheBundleAgain() throws Exception {
        Bundle old = icmp();
        String location = old.getLocation();
        old.uninstall();
        assertInstanceOf(GenericTracker.class, conntrack.services().tracker(Family.IPV6, 58));
        Bundle again;
        try (InputStream in = new URL(location.replaceFirst("^reference:", "")).openStream()) {
            again = own.installBundle(location, in);
        }
        again.start();
        assertNotNull(conntrack.services().tracker(Family.IPV6, 58));
        assertEquals("icmpv6", conntrack.services().tracker(Family.IPV6, 58).name());
        assertEquals("new", ping(13));
    }

    private int icmpEntries() {
        return conntrack.table().list(ct -> ct.protocol() == 1).size();
    }

    private String ping(int id) {
        return forward(echo(0xc6336414, 0xcb00710a, 8, id));
    }

    private String reply(int id) {
        return forward(echo(0xcb00710a, 0xc6336414, 0, id));
    }

    private String forward(byte[] ip) {
        Packet p = new Packet();
        p.load(ip, 0, ip.length, 14);
        assertEquals(null, IpHeaders.validate(p));
        conntrack.packets().runHook(Hook.PRE_ROUTING, p);
        String state = CtInfo.stateName(p.ct != null, p.ctinfo);
        conntrack.packets().runHook(Hook.POST_ROUTING, p);
        return state;
    }

    /** An IPv4 ICMP echo message (198.51.100.20 and 203.0.113.10 in the calls above) with valid checksums. */
    private static byte[] echo(int src, int dst, int type, int id) {
        byte[] p = new byte[36];
        ByteBuffer.wrap(p).put((byte) 0x45).put((byte) 0).putShort((short) 36).putInt(0).put((byte) 64).put((byte) 1)
            .putShort((short) 0).putInt(src).putInt(dst).put((byte) type).put((byte) 0).putShort((short) 0)
            .putShort((short) id).putShort((short) 1).putInt(0x61626364);
        put16(p, 10, checksum(p, 0, 20));
        put16(p, 22, checksum(p, 20, 16));
        return p;
    }

    private static int checksum(byte[] p, int off, int n) {
        long s = 0;
        for (int i = off; i < off + n; i += 2) {
            s += (p[i] & 0xff) << 8 | (p[i + 1] & 0xff);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) ~s & 0xffff;
    }

    private static void put16(byte[] p, int off, int v) {
        p[off] = (byte) (v >>> 8);
        p[off + 1] = (byte) v;
    }
}
