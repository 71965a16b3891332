package org.conntrack4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Map;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.Hook;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.core.api.Packet;
import org.conntrack4j.core.api.Verdict;
import org.conntrack4j.core.inet.IpHeaders;
import org.conntrack4j.difftest.Shipped;
import org.conntrack4j.rules.eval.NftRulesets;
import org.conntrack4j.rules.nft.Ruleset;
import org.conntrack4j.testkit.Packets;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.testkit.Rig;

/**
 * The packet path: one engine per input with every shipped tracker, NAT, every helper and defragmentation (wired as
 * difftest's {@link Shipped}), under a ruleset that masquerades out of {@code wan}, forwards ports of the router to
 * a LAN host (DNAT) and assigns each helper (FTP, PPTP, TFTP, IRC, Amanda, SANE, SIP) for its port. The input is a
 * sequence of {@link Input records}: frames arriving on {@code lan} or {@code wan} (or sent by the router) and
 * time moving on, so that connections, expectations, NAT bindings, key maps and fragment queues build up
 * within one input. A frame the IP layer refuses ({@link IpHeaders#validate}) is dropped before the hooks, as
 * {@code ip_rcv} does; everything else goes through the hooks as the replay's router runs them.
 *
 * <p>A finding is any exception or error out of the engine, a verdict that is not a netfilter verdict, or
 * table and expectation counts beyond their configured maxima.
 */
public class PacketPathFuzz {
    static final long LAN4 = 0xc6336400L;          // 198.51.100.0/24
    static final long WAN4 = 0xcb007100L;          // 203.0.113.0/24
    static final long LAN6 = 0x20010db800010000L;  // 2001:db8:1::/64
    static final long WAN6 = 0x20010db800020000L;  // 2001:db8:2::/64

    static final String RULESET = "table inet fuzz {\n"
        + "\tct helper ftp_helper {\n\t\ttype \"ftp\" protocol tcp\n\t\tl3proto inet\n\t}\n"
        + "\tct helper pptp_helper {\n\t\ttype \"pptp\" protocol tcp\n\t\tl3proto ip\n\t}\n"
        + "\tct helper tftp_helper {\n\t\ttype \"tftp\" protocol udp\n\t\tl3proto inet\n\t}\n"
        + "\tct helper irc_helper {\n\t\ttype \"irc\" protocol tcp\n\t\tl3proto ip\n\t}\n"
        + "\tct helper amanda_helper {\n\t\ttype \"amanda\" protocol udp\n\t\tl3proto inet\n\t}\n"
        + "\tct helper sane_helper {\n\t\ttype \"sane\" protocol tcp\n\t\tl3proto inet\n\t}\n"
        + "\tct helper sip_helper {\n\t\ttype \"sip\" protocol udp\n\t\tl3proto inet\n\t}\n"
        + "\tchain helpers {\n\t\ttype filter hook prerouting priority filter; policy accept;\n"
        + "\t\tct state new tcp dport 21 ct helper set \"ftp_helper\"\n"
        + "\t\tct state new tcp dport 1723 ct helper set \"pptp_helper\"\n"
        + "\t\tct state new udp dport 69 ct helper set \"tftp_helper\"\n"
        + "\t\tct state new tcp dport 6667 ct helper set \"irc_helper\"\n"
        + "\t\tct state new udp dport 10080 ct helper set \"amanda_helper\"\n"
        + "\t\tct state new tcp dport 6566 ct helper set \"sane_helper\"\n"
        + "\t\tct state new udp dport 5060 ct helper set \"sip_helper\"\n\t}\n"
        + "\tchain nat_pre {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
        + "\t\tiifname \"wan\" tcp dport { 2121, 8080 } dnat ip to 198.51.100.20\n"
        + "\t\tiifname \"wan\" udp dport 5353 dnat ip to 198.51.100.20:53\n"
        + "\t\tiifname \"wan\" meta nfproto ipv6 tcp dport 8080 dnat ip6 to [2001:db8:1::20]\n\t}\n"
        + "\tchain nat_post {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        + "\t\toifname \"wan\" masquerade\n\t}\n"
        + "\tchain forward_filter {\n\t\ttype filter hook forward priority filter; policy accept;\n"
        + "\t\tct state invalid counter drop\n\t}\n}\n";

    /** Limits small enough that inputs reach them: the table and expectation maxima, early drop. */
    static final long MAX_CONNECTIONS = 64;
    static final long MAX_EXPECTATIONS = 16;

    /** A small table: the expiry scan and NAT's departure walk every bucket, and an input holds few entries. */
    static final Map<String, String> SETTINGS = Map.of("nf_conntrack_max", String.valueOf(MAX_CONNECTIONS),
        "nf_conntrack_expect_max", String.valueOf(MAX_EXPECTATIONS), "nf_conntrack_buckets", "256");

    private static final ConntrackFactory ENGINES = Shipped.full().factory();
    private static final NftRulesets RULESETS = new NftRulesets();
    private static final Ruleset PARSED = parse();

    static final NetDevice LAN = new NetDevice("lan", 2, null, null, 1500, List.of(
        new NetDevice.IfAddr(Family.IPV4, 0, LAN4 | 1, 24),
        new NetDevice.IfAddr(Family.IPV6, LAN6, 1, 64)));
    static final NetDevice WAN = new NetDevice("wan", 3, null, null, 1500, List.of(
        new NetDevice.IfAddr(Family.IPV4, 0, WAN4 | 1, 24),
        new NetDevice.IfAddr(Family.IPV6, WAN6, 1, 64)));

    private static Ruleset parse() {
        try {
            return RULESETS.parse("fuzz.nft", RULESET);
        } catch (Exception e) {
            throw new IllegalStateException("the fuzz ruleset does not parse", e);
        }
    }

    /** Entry point of a campaign (Jazzer's driver). */
    public static void fuzzerTestOneInput(byte[] data) throws Exception {
        ManualClock clock = new ManualClock(250);
        clock.setWallNanos(Rig.START_NANOS);
        Conntrack net = ENGINES.create("fuzz", clock, SETTINGS, false);
        try {
            RULESETS.install(net, PARSED);
            Input in = new Input(data);
            int frames = 0;
            while (in.more() && frames < Input.MAX_FRAMES) {
                int tag = in.u8();
                if ((tag & Input.TIME) != 0) {
                    clock.advanceSeconds(in.u16() / 100.0);
                    net.table().expire();
                    continue;
                }
                byte[] ip = in.bytes(in.u16());
                frames++;
                if ((tag & Input.FIX_CHECKSUMS) != 0) {
                    fixChecksums(ip);
                }
                run(net, clock, ip, tag);
                check(net);
            }
        } finally {
            net.close();
        }
    }

    @FuzzTest
    void packetPath(byte[] data) throws Exception {
        fuzzerTestOneInput(data);
    }

    /** One frame through the hooks: received on lan or wan (routed by its destination), or sent by the router. */
    private static void run(Conntrack net, ManualClock clock, byte[] ip, int tag) {
        Packet p = new Packet(ip.length + 2048);
        p.load(ip, 0, ip.length, 14);
        if (IpHeaders.validate(p) != null) {
            return;
        }
        p.tstamp = clock.wallNanos();
        if ((tag & Input.LOCAL_OUT) != 0) {
            p.out = route(p, (tag & Input.WAN) != 0 ? WAN : LAN);
            if (verdict(net.packets().runHook(Hook.LOCAL_OUT, p)) == Verdict.ACCEPT) {
                verdict(net.packets().runHook(Hook.POST_ROUTING, p));
            }
            return;
        }
        p.in = (tag & Input.WAN) != 0 ? WAN : LAN;
        int v = verdict(net.packets().runHook(Hook.PRE_ROUTING, p));
        if (v != Verdict.ACCEPT) {
            return;
        }
        NetDevice out = route(p, null);
        if (out == null) {
            verdict(net.packets().runHook(Hook.LOCAL_IN, p));
            return;
        }
        p.out = out;
        if (verdict(net.packets().runHook(Hook.FORWARD, p)) == Verdict.ACCEPT) {
            verdict(net.packets().runHook(Hook.POST_ROUTING, p));
        }
    }

    /** Where the packet goes by its (translated) destination: null for the router itself. */
    private static NetDevice route(Packet p, NetDevice fallback) {
        if (p.family == Family.IPV4) {
            long dst = p.u32(16) & 0xffffffffL;
            if (dst == (LAN4 | 1) || dst == (WAN4 | 1)) {
                return fallback;
            }
            return (dst & 0xffffff00L) == LAN4 ? LAN : WAN;
        }
        long hi = p.u64(24);
        long lo = p.u64(32);
        if (lo == 1 && (hi == LAN6 || hi == WAN6)) {
            return fallback;
        }
        return hi == LAN6 ? LAN : WAN;
    }

    private static int verdict(int v) {
        if (v != Verdict.ACCEPT && v != Verdict.DROP && v != Verdict.STOLEN) {
            throw new IllegalStateException("hook verdict " + v);
        }
        return v;
    }

    /** The engine's own limits hold whatever came in. */
    private static void check(Conntrack net) {
        int n = net.stats().count();
        if (n > MAX_CONNECTIONS) {
            throw new IllegalStateException(n + " connections above nf_conntrack_max " + MAX_CONNECTIONS);
        }
        int x = net.stats().expectCount();
        if (x > MAX_EXPECTATIONS) {
            throw new IllegalStateException(x + " expectations above nf_conntrack_expect_max " + MAX_EXPECTATIONS);
        }
    }

    /**
     * The test kit's checksum fill-in, so that mutated packets get past the checksum checks; the kit's helper is
     * made for well-formed packets, so a packet it cannot handle goes on as it was.
     */
    private static void fixChecksums(byte[] ip) {
        if (ip.length < 40) {
            return;
        }
        try {
            Packets.fixChecksums(ip, 0);
        } catch (RuntimeException notTheProduct) {
            // test code's limit, not a finding
        }
    }

    /**
     * The input's records: a tag byte, then for a frame a 16-bit length and that many bytes of IP packet (cut at
     * the input's end); for a time record ({@link #TIME}) 16 bits of hundredths of a second to move the clock.
     */
    static final class Input {
        static final int WAN = 0x01;
        static final int FIX_CHECKSUMS = 0x02;
        static final int LOCAL_OUT = 0x04;
        static final int TIME = 0x80;
        static final int MAX_FRAMES = 512;

        private final byte[] b;
        private int pos;

        Input(byte[] b) {
            this.b = b;
        }

        boolean more() {
            return pos < b.length;
        }

        int u8() {
            return pos < b.length ? b[pos++] & 0xff : 0;
        }

        int u16() {
            return u8() << 8 | u8();
        }

        byte[] bytes(int n) {
            int k = Math.min(n, b.length - pos);
            byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + k);
            pos += k;
            return out;
        }
    }
}
