package org.conntrack4j.rules.eval;

import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.FlowOffload;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Registration;

/**
 * A ruleset's flowtable, held for as long as the ruleset is installed, on whichever {@link FlowOffload} provider the
 * engine has at the moment: a flowtable outlives its devices in the kernel, and here a ruleset may be installed
 * before the router that provides the flowtables starts (a replay, a live router configured first) or outlive it.
 * The provider is looked up when a packet reaches {@code flow add}; a change of provider moves the flowtable
 * (the old one is freed, its flows handed back to conntrack, and a new one made).
 */
final class FlowtableRef implements Registration {
    private final Conntrack net;
    private final String name;
    private final int family;
    private final List<String> devices;
    private final int priority;
    private final int flags;
    /** The provider {@link #current} was made by; guarded by this for writes. */
    private volatile FlowOffload provider;
    private volatile FlowOffload.Flowtable current;
    private boolean closed;

    FlowtableRef(Conntrack net, String name, int family, List<String> devices, int priority, int flags) {
        this.net = net;
        this.name = name;
        this.family = family;
        this.devices = List.copyOf(devices);
        this.priority = priority;
        this.flags = flags;
        resolve(net.services().extension(FlowOffload.class));
    }

    /** {@link FlowOffload.Flowtable#add} on the current provider's flowtable; false without a provider. */
    boolean add(Packet pkt) {
        FlowOffload p = net.services().extension(FlowOffload.class);
        FlowOffload.Flowtable ft = p == provider ? current : resolve(p);
        return ft != null && ft.add(pkt);
    }

    private synchronized FlowOffload.Flowtable resolve(FlowOffload p) {
        if (p != provider) {
            FlowOffload.Flowtable old = current;
            current = null;
            if (old != null) {
                old.close();
            }
            current = p == null || closed ? null : p.create(name, family, devices, priority, flags);
            provider = p;
        }
        return current;
    }

    @Override
    public void close() {
        FlowOffload.Flowtable old;
        synchronized (this) {
            closed = true;
            old = current;
            current = null;
        }
        if (old != null) {
            old.close();
        }
    }
}
