package org.conntrack4j.dataplane;

import java.util.ArrayList;
import java.util.List;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.router.RouterInterface;

/**
 * One interface of a live router: the name rules match ({@code iifname}), the Linux device it drives, the
 * addresses conntrack4j owns on it, and an MTU that overrides the device's (0: the device's own). Immutable.
 */
final class LiveInterface {
    final String name;
    final String device;
    final List<NetDevice.IfAddr> addresses;
    final int mtu;

    LiveInterface(String name, String device, List<NetDevice.IfAddr> addresses, int mtu) {
        this.name = name;
        this.device = device;
        this.addresses = List.copyOf(addresses);
        this.mtu = mtu;
    }

    /**
     * Parses {@code NAME=DEV,ADDR/PREFIX[,ADDR6/PREFIX...][,mtu=N]} (the command's {@code --iface}).
     *
     * @throws IllegalArgumentException one line naming the problem
     */
    static LiveInterface parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--iface " + spec + ": expected NAME=DEV,ADDR/PREFIX[,...][,mtu=N]");
        }
        String name = spec.substring(0, eq).trim();
        String[] parts = spec.substring(eq + 1).split(",");
        String dev = parts[0].trim();
        if (!name.matches("[A-Za-z0-9_.:-]{1,15}")) {
            throw new IllegalArgumentException("--iface " + spec + ": interface name \"" + name
                + "\" must be 1 to 15 letters, digits or _.:-");
        }
        if (!dev.matches("[A-Za-z0-9_.@:-]{1,15}")) {
            throw new IllegalArgumentException("--iface " + spec + ": device name \"" + dev + "\" is not a Linux one");
        }
        List<NetDevice.IfAddr> addrs = new ArrayList<>();
        int mtu = 0;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.startsWith("mtu=")) {
                try {
                    mtu = Integer.parseInt(p.substring(4));
                } catch (NumberFormatException e) {
                    mtu = -1;
                }
                if (mtu < 68 || mtu > 65535) {
                    throw new IllegalArgumentException("--iface " + spec + ": mtu must be 68 to 65535");
                }
                continue;
            }
            try {
                NetDevice.IfAddr a = RouterInterface.parseAddress(p);
                if (p.indexOf('/') < 0) {
                    throw new IllegalArgumentException("no prefix length in " + p);
                }
                addrs.add(a);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--iface " + spec + ": " + e.getMessage());
            }
        }
        if (addrs.isEmpty()) {
            throw new IllegalArgumentException("--iface " + spec + ": no address (ADDR/PREFIX)");
        }
        return new LiveInterface(name, dev, addrs, mtu);
    }

    /** The router's view, once the device's hardware address and MTU are known. */
    RouterInterface toRouterInterface(byte[] mac, int deviceMtu) {
        return new RouterInterface(name, mac, null, mtu > 0 ? mtu : deviceMtu, addresses);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(name).append('=').append(device);
        for (NetDevice.IfAddr a : addresses) {
            b.append(',').append(a.text());
        }
        if (mtu > 0) {
            b.append(",mtu=").append(mtu);
        }
        return b.toString();
    }
}
