package org.conntrack4j.nat.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.NetExtension;
import org.conntrack4j.itest.ItPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectService;

/**
 * The NAT bundle in a running framework: it attaches NAT to the live engine; stopping it destroys the connections
 * that carry a NAT binding and keeps the others; starting it again translates new connections.
 */
class NatBundleTest {
    private static final String BSN = "org.conntrack4j.nat";

    @InjectService
    Conntrack conntrack;

    private final BundleContext own = FrameworkUtil.getBundle(NatBundleTest.class).getBundleContext();
    private Registration chain;
    private NetDevice lan;
    private NetDevice wan;

    private Bundle nat() {
        return Arrays.stream(own.getBundles()).filter(b -> BSN.equals(b.getSymbolicName())).findFirst().orElseThrow();
    }

    @BeforeEach
    void devices() {
        lan = new NetDevice("itlan", 91, null, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xc6336401L, 24)));
        wan = new NetDevice("itwan", 92, null, null, 1500,
            List.of(new NetDevice.IfAddr(Family.IPV4, 0, 0xcb007101L, 24)));
    }

    @AfterEach
    void restore() throws Exception {
        if (chain != null) {
            chain.close();
        }
        Bundle b = nat();
        if (b.getState() != Bundle.ACTIVE) {
            b.start();
        }
        conntrack.table().delete(null);
    }

    /** {@code oifname "itwan" masquerade} on the live engine's NAT. */
    private void masquerade() {
        Nat nat = conntrack.services().extension(Nat.class);
        chain = nat.registerChain(Family.INET, Hook.POST_ROUTING, Priority.NAT_SRC,
            p -> p.out == wan ? nat.masquerade(p, NatRange.ports(-1, -1, 0), "itest masquerade") : Verdict.ACCEPT,
            "itest");
    }

    /** A UDP datagram from the LAN, forwarded to {@code out}; returns the packet as it leaves. */
    private Packet udp(String src, int sport, String dst, NetDevice out) {
        Packet p = ItPackets.ipv4(IpProto.UDP, src, sport, dst, 53, 0);
        p.in = lan;
        conntrack.packets().runHook(Hook.PRE_ROUTING, p);
        p.out = out;
        conntrack.packets().runHook(Hook.POST_ROUTING, p);
        return p;
    }

    @Test
    void natIsAttachedToTheLiveEngine() throws Exception {
        assertNotNull(conntrack.services().extension(Nat.class));
        boolean found = false;
        for (ServiceReference<NetExtension> ref : own.getServiceReferences(NetExtension.class, null)) {
            if (ref.getBundle().getSymbolicName().equals(BSN)) {
                assertEquals("nat", ref.getProperty(NetExtension.NAME));
                found = true;
            }
        }
        assertTrue(found);
    }

    @Test
    void stoppingTheBundleDestroysBoundConnectionsAndStartingItTranslatesAgain() throws Exception {
        masquerade();
        Packet out = udp("198.51.100.10", 40000, "203.0.113.10", wan);
        assertEquals(0xcb007101, out.u32(12), "masqueraded to the wan address");
        Connection bound = out.ct;
        assertTrue(bound.hasStatus(Status.SRC_NAT));
        Connection plain = udp("198.51.100.10", 40001, "198.51.100.20", lan).ct;
        assertEquals(2, conntrack.table().count());

        nat().stop();
        chain = null;
        assertNull(conntrack.services().extension(Nat.class));
        assertTrue(bound.isDying(), "bound connections are destroyed");
        assertEquals(List.of(plain), conntrack.table().connections(null), "the others stay");
        assertNull(plain.natState(), "no reference to the stopped bundle's classes");
        Packet untranslated = udp("198.51.100.10", 40002, "203.0.113.10", wan);
        assertEquals(0xc633640a, untranslated.u32(12), "no NAT, no translation");

        nat().start();
        assertNotNull(conntrack.services().extension(Nat.class));
        masquerade();
        Packet again = udp("198.51.100.10", 40003, "203.0.113.10", wan);
        assertEquals(0xcb007101, again.u32(12));
        assertEquals("itest masquerade", conntrack.services().extension(Nat.class).origin(again.ct, 0));
    }
}
