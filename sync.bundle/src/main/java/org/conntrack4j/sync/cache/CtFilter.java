package org.conntrack4j.sync.cache;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncTuple;

/**
 * conntrackd's {@code Filter} (filter.c): which connections are synced. Three independent checks, each
 * active once its block is configured, each with Accept (positive) or Ignore (negative) logic:
 * <ul>
 * <li>Protocol: the L4 protocol is (Accept) / is not (Ignore) in the list;</li>
 * <li>Address: the original source or the reply source (the real destination after DNAT) matches one of
 * the addresses or networks; a network match decides at once (Accept: pass, Ignore: drop), otherwise the
 * exact addresses decide;</li>
 * <li>State: TCP states only; other protocols and TCP without a state pass.</li>
 * </ul>
 */
public final class CtFilter {
    private Boolean protoAccept;
    private final BitSet protocols = new BitSet(256);
    private Boolean addrAccept;
    private final Set<InetAddress> addresses = new HashSet<>();
    private final List<byte[][]> networks = new ArrayList<>(); // {address, mask}
    private Boolean stateAccept;
    private final BitSet tcpStates = new BitSet(16);

    public void protocolLogic(boolean accept) {
        protoAccept = accept;
    }

    public void addProtocol(int p) {
        protocols.set(p);
    }

    public void addressLogic(boolean accept) {
        addrAccept = accept;
    }

    /** Adds an address ({@code prefix} = full length) or a network. */
    public void addAddress(InetAddress a, int prefix) {
        int bits = a.getAddress().length * 8;
        if (prefix >= bits) {
            addresses.add(a);
            return;
        }
        byte[] mask = new byte[bits / 8];
        for (int i = 0; i < prefix; i++) {
            mask[i / 8] |= (byte) (0x80 >>> (i % 8));
        }
        networks.add(new byte[][] {a.getAddress(), mask});
    }

    public void stateLogic(boolean accept) {
        stateAccept = accept;
    }

    public void addTcpState(int s) {
        tcpStates.set(s);
    }

    /**
     * @return whether the connection is synced (ct_filter_check). Without a reply tuple the original
     *     destination stands for the reply source (conntrackd would drop an event without one).
     */
    public boolean accept(SyncConnection c) {
        SyncTuple o = c.orig();
        if (protoAccept != null && protocols.get(o.protonum()) != protoAccept) {
            return false;
        }
        if (addrAccept != null) {
            InetAddress src = o.src();
            InetAddress dst = c.reply() != null ? c.reply().src() : o.dst();
            boolean v6 = src instanceof Inet6Address;
            boolean net = false;
            for (byte[][] n : networks) {
                if ((n[0].length == 16) == v6 && (inNet(n, src) || inNet(n, dst))) {
                    net = true;
                    break;
                }
            }
            if (net) {
                if (!addrAccept) {
                    return false;
                }
            } else if ((addresses.contains(src) || addresses.contains(dst)) != addrAccept) {
                return false;
            }
        }
        if (stateAccept != null && o.protonum() == 6 && c.tcp() != null
                && tcpStates.get(c.tcp().state()) != stateAccept) {
            return false;
        }
        return true;
    }

    private static boolean inNet(byte[][] n, InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != n[0].length) {
            return false;
        }
        for (int i = 0; i < b.length; i++) {
            if ((b[i] & n[1][i]) != (n[0][i] & n[1][i])) {
                return false;
            }
        }
        return true;
    }
}
