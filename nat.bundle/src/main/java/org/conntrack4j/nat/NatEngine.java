package org.conntrack4j.nat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.CtInfo;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.PluginServices;
import org.conntrack4j.core.api.Priority;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.conntrack4j.core.spi.GenericTracker;
import org.conntrack4j.core.spi.HookFunction;
import org.conntrack4j.core.spi.L4Tracker;

/**
 * NAT for one engine ({@code nf_nat_core.c} with the per-family hook functions of {@code nf_nat_proto.c}).
 *
 * <p>As in Linux, NAT's own hook functions are registered for a family only while NAT chains of that family
 * exist ({@code nf_nat_register_fn}): destination NAT at PRE_ROUTING and LOCAL_OUT (priority -100), source NAT
 * at POST_ROUTING and LOCAL_IN (100). For a connection's first packet at a hook where it has no binding yet, the
 * chains run in priority order until one sets a binding; otherwise a null binding is set. Every packet of a
 * bound connection is then rewritten.
 *
 * <p>Shared state and its guards: the chain arrays ({@link #chains}) are copy-on-write, published through a
 * volatile field and read once per packet; they, the hook registrations, the user counts and {@link #closed}
 * change under {@link #lock}, which the packet path never takes. Hook removals (which wait for the packets in the
 * hooks) happen after {@link #lock} is released, so a packet can never wait for a thread that waits for it. The
 * by-source table is created once under the monitor of {@link #random} and has its own lock stripes
 * ({@link BySource}); random numbers are lock-free ({@link NatRandom}). Per-connection data ({@link NatBinding})
 * is written before confirmation by the thread owning the connection. Locks: the core's lock order
 * ({@code org.conntrack4j.core.impl}).
 */
final class NatEngine implements Nat {
    /** {@code IPPROTO_DCCP} (the core has no constant for it). */
    static final int DCCP = 33;
    private static final String HOOK_OWNER = "nat (org.conntrack4j.nat)";
    /** The hooks NAT serves, with Linux's priorities ({@code nf_nat_ipv4_ops}, {@code nf_nat_ipv6_ops}). */
    private static final int[][] HOOKS = {
        {Hook.PRE_ROUTING, Priority.NAT_DST},
        {Hook.POST_ROUTING, Priority.NAT_SRC},
        {Hook.LOCAL_OUT, Priority.NAT_DST},
        {Hook.LOCAL_IN, Priority.NAT_SRC},
    };

    /** One registered NAT chain. */
    private static final class Chain {
        final int family;
        final int hook;
        final int priority;
        final HookFunction fn;
        final String owner;
        final long seq;

        Chain(int family, int hook, int priority, HookFunction fn, String owner, long seq) {
            this.family = family;
            this.hook = hook;
            this.priority = priority;
            this.fn = fn;
            this.owner = owner;
            this.seq = seq;
        }
    }

    private static final Comparator<Chain> ORDER = Comparator.<Chain>comparingInt(c -> c.priority)
        .thenComparingLong(c -> c.seq);
    private static final Chain[] NONE = new Chain[0];

    final Conntrack net;
    private final long seed;
    /** Made when first needed, sized from {@code nf_conntrack_buckets} as the engine's settings are then. */
    private volatile BySource bySource;
    private final NatRandom random;
    private final TupleSearch search;
    private final Object lock = new Object();
    /** Chains by family (0: IPv4, 1: IPv6) and hook; replaced as a whole under {@link #lock}. */
    private volatile Chain[][][] chains = {empty(), empty()};
    private final Registration[][] hookRegs = new Registration[2][];
    private final int[] users = new int[2];
    private long chainSeq;
    private Registration extensionReg;
    private volatile boolean closed;

    NatEngine(Conntrack net) {
        this.net = net;
        this.seed = net.name().hashCode() * 0x9E3779B97F4A7C15L ^ 0x6e6174L;
        this.random = new NatRandom(seed);
        this.search = new TupleSearch(net, this, random);
    }

    /** The by-source table, made on first use (double-checked on the volatile field, under its own monitor). */
    BySource bySource() {
        BySource b = bySource;
        if (b == null) {
            synchronized (random) {
                b = bySource;
                if (b == null) {
                    b = new BySource((int) net.settings().get(CoreSettings.BUCKETS), seed + 1);
                    bySource = b;
                }
            }
        }
        return b;
    }

    private static Chain[][] empty() {
        Chain[][] c = new Chain[Hook.COUNT][];
        Arrays.fill(c, NONE);
        return c;
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------

    /** Makes this the engine's NAT; the registration undoes it ({@link #detach}). */
    Registration attach() {
        extensionReg = net.services().provideExtension(Nat.class, this);
        return this::detach;
    }

    /**
     * Undoes {@link #attach} ({@code nf_nat_cleanup}): removes the hooks and the chains, waits for packets in them,
     * destroys the connections with a binding (their reply tuples cannot be un-NATed), and takes NAT's data off
     * the others (null bindings survive, as Linux keeps them), dead masters of live connections included.
     * Connections whose first packet is between two
     * hooks at this moment are not in the table yet: closing the extension registration makes their confirmation
     * fail, as Linux's generation check does when its NAT module leaves.
     */
    void detach() {
        List<Registration> regs = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (int f = 0; f < 2; f++) {
                if (hookRegs[f] != null) {
                    regs.addAll(Arrays.asList(hookRegs[f]));
                    hookRegs[f] = null;
                }
                users[f] = 0;
            }
            chains = new Chain[][][] {empty(), empty()};
        }
        for (Registration r : regs) {
            r.close();
        }
        if (extensionReg != null) {
            extensionReg.close();
        }
        List<Connection> killed = new ArrayList<>();
        net.table().delete(c -> {
            if ((c.status() & Status.NAT_MASK) == 0) {
                return false;
            }
            killed.add(c);
            return true;
        });
        // A dead connection stays reachable as the master of a related one that lives on; what it carries of NAT
        // would keep this bundle's classes loaded (Linux's NAT extension is plain data, ours is NAT's class)
        for (Connection c : killed) {
            unbind(c);
        }
        // only those that carry a binding or hang on a master: a full table's list would be as large as the table
        for (Connection c : net.table().connections(c -> binding(c) != null || c.master() != null)) {
            for (Connection m = c; m != null; m = m.master()) {
                if (binding(m) != null) {
                    unbind(m);
                    m.clearStatus(Status.SRC_NAT_DONE);
                }
            }
        }
    }

    private void unbind(Connection c) {
        synchronized (c) {
            if (binding(c) != null) {
                c.setNatState(null);
            }
        }
    }

    // ---- chains and hooks ----------------------------------------------------------------------------------

    @Override
    public Registration registerChain(int family, int hook, int priority, HookFunction chain, String owner) {
        if (hook != Hook.PRE_ROUTING && hook != Hook.LOCAL_OUT && hook != Hook.POST_ROUTING && hook != Hook.LOCAL_IN) {
            throw new IllegalArgumentException("NAT chains hook prerouting, output, postrouting or input, not "
                + Hook.name(hook));
        }
        if (family != Family.INET && family != Family.IPV4 && family != Family.IPV6) {
            throw new IllegalArgumentException("no NAT for family " + family);
        }
        List<Chain> added = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("NAT of engine " + net.name() + " is gone");
            }
            long seq = ++chainSeq;
            Chain[][][] next = chains.clone();
            for (int f = 0; f < 2; f++) {
                int fam = f == 0 ? Family.IPV4 : Family.IPV6;
                if (family != Family.INET && family != fam) {
                    continue;
                }
                Chain c = new Chain(fam, hook, priority, chain, owner, seq);
                Chain[][] byHook = next[f].clone();
                Chain[] list = Arrays.copyOf(byHook[hook], byHook[hook].length + 1);
                list[list.length - 1] = c;
                Arrays.sort(list, ORDER);
                byHook[hook] = list;
                next[f] = byHook;
                added.add(c);
                if (users[f]++ == 0) {
                    registerHooks(f, fam);
                }
            }
            chains = next;
        }
        return new Registration() {
            private boolean done;

            @Override
            public void close() {
                List<Registration> unhook = new ArrayList<>();
                synchronized (lock) {
                    if (done || closed) {
                        done = true;
                        return;
                    }
                    done = true;
                    Chain[][][] next = chains.clone();
                    for (Chain c : added) {
                        int f = c.family == Family.IPV4 ? 0 : 1;
                        Chain[][] byHook = next[f].clone();
                        byHook[c.hook] = Arrays.stream(byHook[c.hook]).filter(x -> x != c).toArray(Chain[]::new);
                        next[f] = byHook;
                        if (--users[f] == 0) {
                            unhook.addAll(Arrays.asList(hookRegs[f]));
                            hookRegs[f] = null;
                        }
                    }
                    chains = next;
                }
                // Removing a hook waits for the packets in it: never while holding the lock.
                for (Registration r : unhook) {
                    r.close();
                }
            }
        };
    }

    private void registerHooks(int f, int fam) {
        Registration[] regs = new Registration[HOOKS.length];
        for (int i = 0; i < HOOKS.length; i++) {
            regs[i] = net.packets().registerHook(fam, HOOKS[i][0], HOOKS[i][1], this::hook, HOOK_OWNER);
        }
        hookRegs[f] = regs;
    }

    @Override
    public List<String> describeChains() {
        Chain[][][] all = chains;
        List<String> out = new ArrayList<>();
        for (int f = 0; f < 2; f++) {
            for (int h = 0; h < Hook.COUNT; h++) {
                for (Chain c : all[f][h]) {
                    out.add(Family.name(c.family) + " " + Hook.name(c.hook) + " priority " + c.priority + " "
                        + (NatManip.ofHook(c.hook) == NatManip.SRC ? "snat" : "dnat") + ": " + c.owner);
                }
            }
        }
        return out;
    }

    /**
     * The hook function ({@code nf_nat_ipv4_fn} / {@code nf_nat_ipv6_fn} and {@code nf_nat_inet_fn}): ICMP errors
     * RELATED to a connection are translated with their quote; other packets get the binding of their
     * connection (chains and null binding first for a new one) and are rewritten.
     */
    private int hook(Packet p) {
        Connection ct = p.ct;
        if (ct == null) {
            return Verdict.ACCEPT;
        }
        int ctinfo = p.ctinfo;
        if (ctinfo == CtInfo.RELATED || ctinfo == CtInfo.RELATED_REPLY) {
            int hdrlen = icmpOffset(p);
            if (hdrlen >= 0) {
                return Manip.icmpReplyTranslation(net, p, ct, ctinfo, p.hook, hdrlen) ? Verdict.ACCEPT : Verdict.DROP;
            }
        }
        int manip = NatManip.ofHook(p.hook);
        switch (ctinfo) {
            case CtInfo.RELATED:
            case CtInfo.RELATED_REPLY:
            case CtInfo.NEW:
                if (!initialized(ct, manip)) {
                    int ret = runChains(p, ct, manip);
                    if (ret != Verdict.ACCEPT) {
                        return ret;
                    }
                } else if (oifChanged(p, ct, ctinfo)) {
                    net.packets().kill(ct);
                    return Verdict.DROP;
                }
                break;
            default:
                if (oifChanged(p, ct, ctinfo)) {
                    net.packets().kill(ct);
                    return Verdict.DROP;
                }
        }
        return natPacket(p, ct, ctinfo, manip);
    }

    /** The chains of this hook until one binds the connection; then, if none did, the null binding. */
    private int runChains(Packet p, Connection ct, int manip) {
        Chain[] list = chains[p.family == Family.IPV6 ? 1 : 0][p.hook];
        for (Chain c : list) {
            int ret = c.fn.hook(p);
            if (ret != Verdict.ACCEPT) {
                return ret;
            }
            if (initialized(ct, manip)) {
                return Verdict.ACCEPT;
            }
        }
        return nullBinding(ct, manip);
    }

    /** Offset of the ICMP (v6) header of an ICMP packet, -1 for other protocols. */
    private static int icmpOffset(Packet p) {
        if (p.family == Family.IPV4) {
            return p.u8(9) == IpProto.ICMP ? (p.u8(0) & 0x0f) << 2 : -1;
        }
        int l4 = Manip.ipv6L4(p);
        return l4 >= 0 && l4 >>> 16 == IpProto.ICMPV6 ? l4 & 0xffff : -1;
    }

    /** {@code nf_nat_oif_changed}: a masqueraded connection's original direction leaving by another interface. */
    private boolean oifChanged(Packet p, Connection ct, int ctinfo) {
        if (p.hook != Hook.POST_ROUTING || CtInfo.direction(ctinfo) != Direction.ORIGINAL) {
            return false;
        }
        NatBinding b = binding(ct);
        return b != null && b.masqIndex != 0 && p.out != null && b.masqIndex != p.out.index();
    }

    /** {@code nf_nat_packet}: rewrites the packet if its direction needs this hook's manipulation. */
    private int natPacket(Packet p, Connection ct, int ctinfo, int manip) {
        int dir = CtInfo.direction(ctinfo);
        int statusbit = manip == NatManip.SRC ? Status.SRC_NAT : Status.DST_NAT;
        if (dir == Direction.REPLY) {
            statusbit ^= Status.NAT_MASK;
        }
        if ((ct.status() & statusbit) == 0) {
            return Verdict.ACCEPT;
        }
        return Manip.manipPacket(net, p, ct, manip, dir) ? Verdict.ACCEPT : Verdict.DROP;
    }

    static boolean initialized(Connection ct, int manip) {
        return ct.hasStatus(manip == NatManip.SRC ? Status.SRC_NAT_DONE : Status.DST_NAT_DONE);
    }

    /** Do connections of this protocol carry ports in their tuples (is a real tracker serving it)? */
    static boolean hasPorts(Conntrack net, int family, int proto) {
        L4Tracker t = net.services().tracker(family, proto);
        return t != null && !(t instanceof GenericTracker);
    }

    // ---- bindings ---------------------------------------------------------------------------------------------

    /** NAT's data of the connection, if this engine's NAT made it. */
    NatBinding binding(Connection ct) {
        Object s = ct.natState();
        return s instanceof NatBinding && ((NatBinding) s).owner == this ? (NatBinding) s : null;
    }

    private NatBinding ensureBinding(Connection ct) {
        NatBinding b = binding(ct);
        if (b == null) {
            b = new NatBinding(this, ct);
            ct.setNatState(b);
        }
        return b;
    }

    /** {@code __nf_nat_alloc_null_binding}: this side stays as it is, but the port may move if it clashes. */
    private int nullBinding(Connection ct, int manip) {
        int d = Direction.REPLY;
        long hi = manip == NatManip.SRC ? ct.dstHi(d) : ct.srcHi(d);
        long lo = manip == NatManip.SRC ? ct.dstLo(d) : ct.srcLo(d);
        return setupInfo(ct, new NatRange(NatRange.MAP_IPS, ct.family(), hi, lo, hi, lo, 0, 0), manip, null);
    }

    /**
     * {@code nf_nat_setup_info}: picks the translated tuple, alters the reply tuple, sets the status bits and, for
     * source NAT, links the connection for {@code find_appropriate_src}.
     */
    private int setupInfo(Connection ct, NatRange range, int manip, String origin) {
        if (ct.isConfirmed() || closed) {
            return Verdict.ACCEPT;
        }
        if (manip != NatManip.SRC && manip != NatManip.DST || initialized(ct, manip)) {
            return Verdict.DROP;
        }
        Tuple reply = ct.tuple(Direction.REPLY, new Tuple());
        Tuple curr = new Tuple();
        if (!net.services().invertTuple(curr, reply)) {
            return Verdict.DROP;
        }
        Tuple chosen = new Tuple();
        search.uniqueTuple(chosen, curr, range, ct, manip);
        if (!chosen.sameAs(curr)) {
            Tuple newReply = new Tuple();
            if (!net.services().invertTuple(newReply, chosen)) {
                return Verdict.DROP;
            }
            net.services().alterReply(ct, newReply);
            ct.setStatus(manip == NatManip.SRC ? Status.SRC_NAT : Status.DST_NAT);
            // A helper may have to change payload lengths of a NATed connection.
            if (ct.helper() != null && ct.seqAdj() == null) {
                net.services().seqAdjInit(ct);
            }
        }
        if (origin != null) {
            ensureBinding(ct).setOrigin(manip, origin);
        }
        if (manip == NatManip.SRC) {
            bySource().add(ensureBinding(ct), net.now(), net.clock().hz());
        }
        ct.setStatus(manip == NatManip.DST ? Status.DST_NAT_DONE : Status.SRC_NAT_DONE);
        return Verdict.ACCEPT;
    }

    /** Linked by-source entries (tests). */
    int bySourceSize() {
        return bySource().size();
    }

    // ---- the Nat interface ------------------------------------------------------------------------------------

    @Override
    public int setup(Packet pkt, Connection ct, NatRange range, int manip, String origin) {
        return setupInfo(ct, range, manip, origin);
    }

    @Override
    public int masquerade(Packet pkt, NatRange range, String origin) {
        Connection ct = pkt.ct;
        int ctinfo = pkt.ctinfo;
        if (ct == null || ctinfo != CtInfo.NEW && ctinfo != CtInfo.RELATED && ctinfo != CtInfo.RELATED_REPLY) {
            return Verdict.ACCEPT;
        }
        NetDevice out = pkt.out;
        NetDevice.IfAddr src;
        if (pkt.family == Family.IPV4) {
            // A source of 0.0.0.0 is a local packet that is not meant to be masqueraded.
            if (ct.srcLo(Direction.ORIGINAL) == 0) {
                return Verdict.ACCEPT;
            }
            src = out == null ? null : out.selectSource(Family.IPV4, 0, pkt.u32(16) & 0xffffffffL);
        } else {
            src = out == null ? null : SourceAddress.ipv6Source(out, pkt.u64(24), pkt.u64(32));
        }
        if (src == null) {
            return Verdict.DROP;
        }
        if (!ct.isConfirmed() && !closed) {
            ensureBinding(ct).masqIndex = out.index();
        }
        return setupInfo(ct, range.withAddress(pkt.family, src.hi, src.lo), NatManip.SRC, origin);
    }

    @Override
    public int redirect(Packet pkt, NatRange range, String origin) {
        Connection ct = pkt.ct;
        if (ct == null) {
            return Verdict.ACCEPT;
        }
        long hi;
        long lo;
        if (pkt.hook == Hook.LOCAL_OUT) {
            // Local packets go to the loopback address.
            hi = 0;
            lo = pkt.family == Family.IPV4 ? 0x7f000001L : 1;
        } else {
            NetDevice.IfAddr a = pkt.in == null ? null
                : pkt.family == Family.IPV4 ? pkt.in.primary(Family.IPV4) : SourceAddress.ipv6Redirect(pkt.in);
            if (a == null) {
                return Verdict.DROP;
            }
            hi = a.hi;
            lo = a.lo;
        }
        return setupInfo(ct, range.withAddress(pkt.family, hi, lo), NatManip.DST, origin);
    }

    @Override
    public boolean hasBinding(Connection ct, int manip) {
        return initialized(ct, manip);
    }

    @Override
    public String origin(Connection ct, int manip) {
        NatBinding b = binding(ct);
        return b == null || manip < 0 || manip > 1 ? null : b.origin(manip);
    }

    /** The connection is dead: out of the by-source table, which would otherwise keep it until pruned. */
    @Override
    public void connectionDone(Connection ct) {
        NatBinding b = binding(ct);
        BySource table = bySource;
        if (b != null && table != null) {
            table.remove(b);
        }
    }

    @Override
    public List<Connection> boundConnections() {
        return net.table().connections(c -> (c.status() & Status.NAT_MASK) != 0);
    }

    @Override
    public boolean mangleTcpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen) {
        return Mangle.tcp(net, pkt, ct, ctinfo, protoff, matchOff, matchLen, rep, repOff, repLen, true);
    }

    @Override
    public boolean mangleTcpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen, boolean adjust) {
        return Mangle.tcp(net, pkt, ct, ctinfo, protoff, matchOff, matchLen, rep, repOff, repLen, adjust);
    }

    @Override
    public void seqAdjust(Packet pkt, Connection ct, int ctinfo, int protoff, int off) {
        Mangle.seqAdjust(net, pkt, ct, ctinfo, protoff, off);
    }

    @Override
    public boolean mangleUdpPacket(Packet pkt, Connection ct, int ctinfo, int protoff, int matchOff, int matchLen,
        byte[] rep, int repOff, int repLen) {
        return Mangle.udp(pkt, ct, protoff, matchOff, matchLen, rep, repOff, repLen);
    }

    /**
     * {@code nf_nat_follow_master}: the expected connection comes from where the master's peer sends to, and goes
     * to the address and port the helper saved (the real endpoint behind NAT).
     */
    @Override
    public void followMaster(Connection ct, Expectation exp) {
        Connection master = ct.master();
        if (master == null || closed || (ct.status() & Status.NAT_DONE_MASK) != 0) {
            return;
        }
        int d = exp.dir() ^ 1;
        String origin = "expected by " + Integer.toUnsignedString(master.id());
        long shi = master.dstHi(d);
        long slo = master.dstLo(d);
        setupInfo(ct, new NatRange(NatRange.MAP_IPS, ct.family(), shi, slo, shi, slo, 0, 0), NatManip.SRC, origin);
        long dhi = master.srcHi(d);
        long dlo = master.srcLo(d);
        int port = exp.savedProto();
        setupInfo(ct, new NatRange(NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED, ct.family(), dhi, dlo, dhi, dlo, port,
            port), NatManip.DST, origin);
    }

    /** {@code nf_nat_exp_find_port}. */
    @Override
    public int expectWithFreePort(ExpectationRequest exp, int port) {
        int min = port;
        int range = 0xffff - port;
        int attemptsLeft = Math.min(range, 128);
        int p = port;
        while (true) {
            exp.dstPort(p);
            int res = net.services().expectRelated(exp);
            if (res == 0) {
                return p;
            }
            // Only a clash with another expectation is worth another port.
            if (res != PluginServices.EXPECT_CLASH || --attemptsLeft < 0) {
                return 0;
            }
            p = min + random.below(range);
        }
    }

    @Override
    public String toString() {
        return "Nat[" + net.name() + ", " + describeChains().size() + " chains]";
    }
}
