package org.conntrack4j.sync.channel;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Enumeration;

import org.conntrack4j.sync.config.SyncConfig;

/**
 * A UDP dedicated link as conntrackd opens it (udp.c, mcast.c): a receiving socket bound to our address and
 * port (unicast) or to the group's port with membership on the interface (multicast), and a sending
 * socket aimed at the peer or the group, multicast loopback off. The interface's MTU less the IP and UDP
 * headers bounds a datagram. Datagrams from other than the configured peer are reported as foreign.
 */
public final class UdpLink implements Link, AutoCloseable {
    private final SyncConfig.Link conf;
    private final DatagramChannel rx;
    private final DatagramChannel txc;
    private final InetSocketAddress target;
    private final int payload;
    private final LinkStats stats = new LinkStats();

    public UdpLink(SyncConfig.Link conf) throws IOException {
        this(conf, 0);
    }

    /**
     * A link for two nodes on one host's loopback (the benchmark) when {@code mtu} is above 0: its datagrams are cut
     * for that MTU rather than the interface's (loopback's 64 KiB would batch as no Ethernet sync link can), and a
     * unicast sender is bound to the configured address, as a host's only address on a sync link would be its
     * source (on loopback the kernel would pick 127.0.0.1 for every node, and a node takes only its peer's).
     */
    public UdpLink(SyncConfig.Link conf, int mtu) throws IOException {
        this.conf = conf;
        NetworkInterface nif = NetworkInterface.getByName(conf.iface);
        if (nif == null) {
            throw new IOException(conf.iface + " is an invalid interface");
        }
        boolean loopback = mtu > 0;
        this.payload = (loopback ? mtu : nif.getMTU()) - conf.headerSize();
        boolean v6 = conf.address instanceof Inet6Address;
        StandardProtocolFamily fam = v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        rx = DatagramChannel.open(fam);
        rx.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        if (conf.rcvbuf > 0) {
            rx.setOption(StandardSocketOptions.SO_RCVBUF, conf.rcvbuf);
        }
        txc = DatagramChannel.open(fam);
        if (conf.sndbuf > 0) {
            txc.setOption(StandardSocketOptions.SO_SNDBUF, conf.sndbuf);
        }
        if (conf.type == SyncConfig.LinkType.MULTICAST) {
            rx.bind(new InetSocketAddress(v6 ? InetAddress.getByName("::") : InetAddress.getByName("0.0.0.0"),
                    conf.port));
            rx.join(conf.address, nif);
            txc.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, false);
            txc.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
            if (conf.interfaceAddress != null) {
                txc.bind(new InetSocketAddress(conf.interfaceAddress, 0));
            }
            target = new InetSocketAddress(conf.address, conf.port);
        } else {
            InetAddress local = v6 ? scoped((Inet6Address) conf.address, nif) : conf.address;
            rx.bind(new InetSocketAddress(local, conf.port));
            if (loopback) {
                txc.bind(new InetSocketAddress(local, 0));
            }
            InetAddress dest = v6 ? scoped((Inet6Address) conf.destination, nif) : conf.destination;
            target = new InetSocketAddress(dest, conf.port);
        }
        rx.configureBlocking(false);
    }

    /** Link-local IPv6 addresses need the interface as their scope, as conntrackd's scope_id. */
    private static InetAddress scoped(Inet6Address a, NetworkInterface nif) throws IOException {
        if (!a.isLinkLocalAddress()) {
            return a;
        }
        return Inet6Address.getByAddress(null, a.getAddress(), nif);
    }

    /** @return the receiving socket, for the runner's selector */
    public DatagramChannel receiver() {
        return rx;
    }

    /**
     * @return whether a datagram from {@code from} comes from the configured peer: for unicast the
     *     destination address; for multicast any address but our own
     */
    public boolean fromPeer(InetSocketAddress from) {
        if (conf.type == SyncConfig.LinkType.MULTICAST) {
            return !isLocal(from.getAddress());
        }
        return sameAddress(from.getAddress(), conf.destination);
    }

    private static boolean sameAddress(InetAddress a, InetAddress b) {
        return java.util.Arrays.equals(a.getAddress(), b.getAddress());
    }

    private static boolean isLocal(InetAddress a) {
        try {
            Enumeration<NetworkInterface> e = NetworkInterface.getNetworkInterfaces();
            while (e.hasMoreElements()) {
                Enumeration<InetAddress> as = e.nextElement().getInetAddresses();
                while (as.hasMoreElements()) {
                    if (sameAddress(as.nextElement(), a)) {
                        return true;
                    }
                }
            }
        } catch (SocketException ex) {
            return false;
        }
        return false;
    }

    @Override
    public boolean send(byte[] b, int off, int len) {
        try {
            int n = txc.send(ByteBuffer.wrap(b, off, len), target);
            stats.bytesSent += n;
            stats.messagesSent++;
            return n == len;
        } catch (IOException e) {
            stats.errorsSent++;
            return false;
        }
    }

    @Override
    public int payloadSize() {
        return payload;
    }

    @Override
    public String ifname() {
        return conf.iface;
    }

    @Override
    public String kind() {
        return conf.type == SyncConfig.LinkType.MULTICAST ? "multicast" : "UDP";
    }

    @Override
    public LinkStats stats() {
        return stats;
    }

    /** @return whether the configured addresses are IPv4 */
    public boolean ipv4() {
        return conf.address instanceof Inet4Address;
    }

    @Override
    public void close() throws IOException {
        try {
            rx.close();
        } finally {
            txc.close();
        }
    }
}
