package org.conntrack4j.router.impl;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.router.RouterInterface;

/**
 * One interface of a router and its link as the feeder reports it: the device the hooks see (replaced when the
 * hardware address changes), the MTU, whether frames flow, and whether the router owes the link an announcement
 * (gratuitous ARP, unsolicited neighbour advertisements). Written by the feeder's control thread, read by every
 * forwarder (volatile fields, each read once per use).
 */
final class Port {
    final int index;
    final RouterInterface config;
    /** The static neighbour's link address (a replay's topology) in the low 48 bits, or -1: resolve neighbours. */
    final long staticNeighbour;
    volatile NetDevice dev;
    /** The hardware address in the low 48 bits (first byte highest). */
    volatile long mac;
    volatile int mtu;
    volatile boolean running = true;
    /**
     * The link came up (or the router started): the next tick announces the router's addresses on it. Not on a link
     * with a static neighbour, which needs no resolution (a replay's).
     */
    volatile boolean announce;

    Port(int index, RouterInterface config) {
        this.index = index;
        this.config = config;
        byte[] peer = config.peerMac();
        this.staticNeighbour = peer == null ? -1 : Macs.toLong(peer, 0);
        this.mtu = config.mtu();
        this.announce = staticNeighbour < 0;
        setMac(Macs.toLong(config.mac(), 0));
    }

    /** A new hardware address: the device is made again with the IPv6 link-local address that derives from it. */
    void setMac(long m) {
        mac = m;
        List<NetDevice.IfAddr> addrs = new ArrayList<>(config.addresses());
        boolean v6 = false;
        for (NetDevice.IfAddr a : addrs) {
            v6 |= a.family == Family.IPV6;
        }
        // Linux gives every IPv6 interface its EUI-64 link-local address (addr_gen_mode 0); last, so that the
        // first IPv6 address stays the primary one.
        if (v6 && !config.hasLinkLocal() && config.generatesLinkLocal()) {
            addrs.add(new NetDevice.IfAddr(Family.IPV6, 0xfe80_0000_0000_0000L, Macs.eui64(m), 64));
        }
        byte[] b = new byte[6];
        Macs.put(b, 0, m);
        dev = new NetDevice(config.name(), index + 1, b, config.peerMac(), mtu, addrs);
    }

    /** The IPv6 link-local address of this port, or null. */
    NetDevice.IfAddr linkLocal() {
        NetDevice d = dev;
        for (int i = 0; i < d.addressCount(); i++) {
            NetDevice.IfAddr a = d.address(i);
            if (a.family == Family.IPV6 && Macs.isLinkLocal(a.hi)) {
                return a;
            }
        }
        return null;
    }
}
