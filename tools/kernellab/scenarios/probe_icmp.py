"""ICMP and ICMPv6 probes: crafted frames, one at a time, through the router (both hosts drop what they receive):
echo and errors quoting tracked flows, errors quoting errors, truncated and malformed messages, types conntrack
does not know, neighbour discovery, MLD and redirects. Each frame's label is in case.json "notes". Recorded into
testdata/probes/icmp/. On 6.18.44 every verdict agreed with conntrack4j's trackers, except that a redirect with a
multicast source (ff02::2) never reaches conntrack: IPv6 input drops multicast sources first."""
import ipaddress
import struct
import time

from ..registry import scenario
from .common import csum
from .probe_tcp import drop_everything_at_hosts


def a(x): return ipaddress.ip_address(x).packed

def ip4(src, dst, proto, payload, ttl=64, frag=0x4000, fix=True):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234, frag, ttl, proto, 0, a(src), a(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    p = bytearray(payload)
    if fix and proto == 1:
        p[2:4] = b"\0\0"; p[2:4] = struct.pack("!H", csum(bytes(p)))
    if fix and proto in (6, 17):
        off = 16 if proto == 6 else 6
        p[off:off + 2] = b"\0\0"
        ph = a(src) + a(dst) + struct.pack("!BBH", 0, proto, len(p))
        p[off:off + 2] = struct.pack("!H", csum(ph + bytes(p)))
    return h + bytes(p)

def ip6(src, dst, nh, payload, hlim=64, l4=None, l4off=0, fix=True):
    h = struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, hlim, a(src), a(dst))
    p = bytearray(payload)
    l4 = nh if l4 is None else l4
    off = {58: 2, 17: 6, 6: 16}.get(l4)
    if fix and off is not None:
        seg = p[l4off:]
        seg[off:off + 2] = b"\0\0"
        ph = a(src) + a(dst) + struct.pack("!IxxxB", len(seg), l4)
        seg[off:off + 2] = struct.pack("!H", csum(ph + bytes(seg)))
        p[l4off:] = seg
    return h + bytes(p)

def icmp(t, c, word, body=b""): return struct.pack("!BBHI", t, c, 0, word) + body
def udp(sp, dp, data=b"data"): return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data
def tcp(sp, dp, flags=2): return struct.pack("!HHIIBBHHH", sp, dp, 1000, 0, 0x50, flags, 64240, 0, 0)


A, X, B, M, R = "198.51.100.10", "198.51.100.11", "203.0.113.10", "203.0.113.254", "198.51.100.1"
A6, X6, B6, M6 = "2001:db8:1::10", "2001:db8:1::11", "2001:db8:2::10", "2001:db8:2::fe"


class Prober:
    """probe(label, side, packet): sends the crafted packet from the host on ``side`` and notes its label."""
    def __init__(self, net, cap):
        self.net, self.cap, self.n = net, cap, 0

    def __call__(self, label, side, pkt):
        self.n += 1
        self.net.note("packet %d: %s" % (self.n, label))
        self.net.send_ip(side, pkt)
        time.sleep(0.05)
        self.cap.after(pkt, table=False)


def _extra_neighbours(net):
    """The crafted sources and destinations beyond the hosts' own addresses get static neighbours on the router
    (fe80::fe too: without one, the errors the router owes the redirects it receives from there wait for a
    resolution that never comes, and the capture shows nothing of them)."""
    drop_everything_at_hosts(net)
    for side, mac, addrs in (("lan", "02:00:00:00:01:02", (X, X6, "fe80::10")),
                             ("wan", "02:00:00:00:02:02", (M, M6, "fe80::fe"))):
        for addr in addrs:
            net.lab.sh("rtr", ["ip", "neigh", "replace", addr, "lladdr", mac, "dev", side, "nud", "permanent"])


@scenario(home="probes/icmp", prepare=_extra_neighbours)
def icmp4(net, cap):
    """ICMP over IPv4: echo, errors quoting UDP, TCP and echo flows, anti-spoofing, errors quoting errors, cut
    quotes, unknown and obsolete types, bad checksums, multicast echo, ICMP inside IPv6 and ICMPv6 inside IPv4."""
    probe = Prober(net, cap)
    ping = ip4(A, B, 1, icmp(8, 0, 100 << 16 | 1, b"abcdefgh"))
    probe("v4 echo request A->B id100", "lan", ping)
    probe("v4 echo reply B->A id100", "wan", ip4(B, A, 1, icmp(0, 0, 100 << 16 | 1, b"abcdefgh")))
    probe("v4 echo reply without request id101", "wan", ip4(B, A, 1, icmp(0, 0, 101 << 16 | 1, b"abcdefgh")))
    dg = ip4(A, B, 17, udp(42000, 5999))
    probe("v4 udp A:42000->B:5999", "lan", dg)
    probe("v4 3/3 B->A quoting udp", "wan", ip4(B, A, 1, icmp(3, 3, 0, dg[:28])))
    probe("v4 11/0 M->A quoting udp (router on the way)", "wan", ip4(M, A, 1, icmp(11, 0, 0, dg[:28])))
    probe("v4 3/3 B->X quoting udp (anti-spoofing)", "wan", ip4(B, X, 1, icmp(3, 3, 0, dg[:28])))
    err = ip4(B, A, 1, icmp(3, 3, 0, dg[:28]))
    probe("v4 3/3 A->B quoting an error", "lan", ip4(A, B, 1, icmp(3, 3, 0, err)))
    probe("v4 3/3 B->A quoting udp cut to 23 bytes", "wan", ip4(B, A, 1, icmp(3, 3, 0, dg[:23])))
    probe("v4 3/3 B->A quoting udp cut to 24 bytes", "wan", ip4(B, A, 1, icmp(3, 3, 0, dg[:24])))
    probe("v4 type 19", "wan", ip4(B, A, 1, icmp(19, 0, 0, b"x" * 8)))
    probe("v4 echo bad checksum", "lan", ip4(A, B, 1, bytes([8, 0, 0x12, 0x34, 0, 1, 0, 1]) + b"abcdefgh", fix=False))
    probe("v4 icmp 7 bytes", "lan", ip4(A, B, 1, bytes([8, 0, 0xf7, 0xff, 0, 0, 0])))
    probe("v4 timestamp request id200", "lan", ip4(A, B, 1, icmp(13, 0, 200 << 16 | 1, b"\0" * 12)))
    probe("v4 timestamp reply id200", "wan", ip4(B, A, 1, icmp(14, 0, 200 << 16 | 1, b"\0" * 12)))
    probe("v4 address mask reply without request", "wan", ip4(B, A, 1, icmp(18, 0, 201 << 16 | 1, b"\0" * 4)))
    probe("v4 router advertisement type 9", "lan", ip4(A, B, 1, icmp(9, 0, 0, b"\0" * 8)))
    probe("v4 echo to 224.0.0.1 id300", "lan", ip4(A, "224.0.0.1", 1, icmp(8, 0, 300 << 16 | 1, b"abcdefgh"), ttl=1))
    probe("v4 reply from B id300", "wan", ip4(B, A, 1, icmp(0, 0, 300 << 16 | 1, b"abcdefgh")))
    probe("v4 redirect 5/1 M->A quoting udp", "wan", ip4(M, A, 1, icmp(5, 1, 0xcb0071fe, dg[:28])))
    probe("v4 source quench B->A quoting udp", "wan", ip4(B, A, 1, icmp(4, 0, 0, dg[:28])))
    frag = bytearray(dg); frag[6:8] = b"\x20\x10"
    probe("v4 3/3 quoting a later fragment", "wan", ip4(B, A, 1, icmp(3, 3, 0, bytes(frag[:28]))))
    probe("icmp (proto 1) inside ipv6", "lan", ip6(A6, B6, 1, icmp(8, 0, 400 << 16 | 1, b"abcdefgh")))
    probe("icmpv6 (proto 58) inside ipv4", "lan", ip4(A, B, 58, icmp(128, 0, 401 << 16 | 1, b"abcdefgh")))
    probe("v4 echo to router id500", "lan", ip4(A, R, 1, icmp(8, 0, 500 << 16 | 1, b"abcdefgh")))
    syn = ip4(A, B, 6, tcp(41000, 80))
    probe("v4 tcp syn A:41000->B:80", "lan", syn)
    probe("v4 3/4 frag needed M->A quoting tcp", "wan", ip4(M, A, 1, icmp(3, 4, 1400, syn[:48])))
    probe("v4 12/0 param problem B->A quoting tcp", "wan", ip4(B, A, 1, icmp(12, 0, 20 << 24, syn[:48])))
    ans = ip4(B, A, 17, udp(53, 42001))
    probe("v4 udp A:42001->B:53", "lan", ip4(A, B, 17, udp(42001, 53)))
    probe("v4 udp B:53->A:42001", "wan", ans)
    probe("v4 3/3 A->B quoting the answer", "lan", ip4(A, B, 1, icmp(3, 3, 0, ans[:28])))
    probe("v4 11/0 M->A quoting echo request", "wan", ip4(M, A, 1, icmp(11, 0, 0, ping[:28])))
    probe("v4 11/0 M->A quoting echo request cut 27", "wan", ip4(M, A, 1, icmp(11, 0, 0, ping[:27])))


@scenario(home="probes/icmp", prepare=_extra_neighbours)
def icmp6(net, cap):
    """ICMPv6: echo, errors quoting UDP and echo, anti-spoofing, errors quoting errors, cut quotes, unknown
    types, neighbour discovery and MLD, node information, bad checksums, redirects of every shape, multicast
    echo."""
    probe = Prober(net, cap)
    ping = ip6(A6, B6, 58, icmp(128, 0, 300 << 16 | 1, b"abcdefgh"))
    probe("v6 echo request id300", "lan", ping)
    probe("v6 echo reply id300", "wan", ip6(B6, A6, 58, icmp(129, 0, 300 << 16 | 1, b"abcdefgh")))
    probe("v6 echo reply without request id301", "wan", ip6(B6, A6, 58, icmp(129, 0, 301 << 16 | 1, b"abcdefgh")))
    dg = ip6(A6, B6, 17, udp(46001, 5999))
    probe("v6 udp A:46001->B:5999", "lan", dg)
    probe("v6 1/4 B->A quoting udp", "wan", ip6(B6, A6, 58, icmp(1, 4, 0, dg)))
    probe("v6 2/0 M->A packet too big quoting udp", "wan", ip6(M6, A6, 58, icmp(2, 0, 1280, dg)))
    probe("v6 1/4 B->X quoting udp (anti-spoofing)", "wan", ip6(B6, X6, 58, icmp(1, 4, 0, dg)))
    probe("v6 type 100 B->A quoting udp", "wan", ip6(B6, A6, 58, icmp(100, 0, 0, dg)))
    probe("v6 type 0 B->A quoting udp", "wan", ip6(B6, A6, 58, icmp(0, 0, 0, dg)))
    probe("v6 1/4 B->A quoting udp cut 43", "wan", ip6(B6, A6, 58, icmp(1, 4, 0, dg[:43])))
    e1 = ip6(B6, A6, 58, icmp(1, 4, 0, dg))
    probe("v6 1/4 A->B quoting an error", "lan", ip6(A6, B6, 58, icmp(1, 4, 0, e1)))
    probe("v6 NS fe80::10 -> ff02::1:ff00:1", "lan", ip6("fe80::10", "ff02::1:ff00:1", 58, icmp(135, 0, 0, a("2001:db8:1::1")), hlim=255))
    probe("v6 NA fe80::10 -> fe80::1", "lan", ip6("fe80::10", "fe80::1", 58, icmp(136, 0, 0x60000000, a(A6)), hlim=255))
    probe("v6 MLD report 131", "lan", ip6("fe80::10", "ff02::1:3", 58, icmp(131, 0, 0, a("ff02::1:3")), hlim=1))
    probe("v6 MLDv2 report 143", "lan", ip6("fe80::10", "ff02::16", 58, icmp(143, 0, 0, b""), hlim=1))
    probe("v6 RS 133", "lan", ip6("fe80::10", "ff02::2", 58, icmp(133, 0, 0), hlim=255))
    probe("v6 MRD termination 153", "lan", ip6("fe80::10", "ff02::6a", 58, icmp(153, 0, 0), hlim=1))
    probe("v6 NS bad checksum", "lan", ip6("fe80::10", "ff02::1:ff00:1", 58, bytes([135, 0, 1, 2, 0, 0, 0, 0]) + a(A6), hlim=255, fix=False))
    probe("v6 NI query 139 id 5", "lan", ip6(A6, B6, 58, icmp(139, 0, 5 << 16, b"\0" * 8)))
    probe("v6 NI reply 140 id 5", "wan", ip6(B6, A6, 58, icmp(140, 0, 5 << 16, b"\0" * 8)))
    probe("v6 type 200", "lan", ip6(A6, B6, 58, icmp(200, 0, 0, b"\0" * 8)))
    probe("v6 short 7 bytes", "lan", ip6(A6, B6, 58, bytes([128, 0, 0, 0, 0, 0, 0]), fix=False))
    probe("v6 echo bad checksum", "lan", ip6(A6, B6, 58, bytes([128, 0, 1, 2, 0, 9, 0, 1]) + b"abcdefgh", fix=False))
    syn = ip6(A6, B6, 6, tcp(46000, 8081))
    probe("v6 tcp syn", "lan", syn)
    def rdr(src, dst, hlim, code, opts):
        return ip6(src, dst, 58, icmp(137, code, 0, a("fe80::fe") + a(B6) + opts), hlim=hlim)
    def rdh(p):
        n = (8 + len(p) + 7) // 8 * 8
        return bytes([4, n // 8]) + b"\0" * 6 + p + b"\0" * (n - 8 - len(p))
    probe("v6 redirect fe80::fe->A hl255 quoting syn", "wan", rdr("fe80::fe", A6, 255, 0, rdh(syn)))
    probe("v6 redirect fe80::fe->fe80::10 quoting syn", "wan", rdr("fe80::fe", "fe80::10", 255, 0, rdh(syn)))
    probe("v6 redirect from global M", "wan", rdr(M6, A6, 255, 0, rdh(syn)))
    probe("v6 redirect hl 254", "wan", rdr("fe80::fe", A6, 254, 0, rdh(syn)))
    probe("v6 redirect without options", "wan", rdr("fe80::fe", A6, 255, 0, b""))
    probe("v6 redirect option len 0", "wan", rdr("fe80::fe", A6, 255, 0, bytes(8)))
    probe("v6 redirect short", "wan", ip6("fe80::fe", A6, 58, icmp(137, 0, 0, b"\0" * 31), hlim=255))
    probe("v6 redirect first option tll", "wan", rdr("fe80::fe", A6, 255, 0, bytes([2, 1, 2, 0, 0, 0, 0, 1]) + rdh(syn)))
    probe("v6 redirect code 1", "wan", rdr(M6, A6, 64, 1, b""))
    probe("v6 redirect from ff02::2", "wan", rdr("ff02::2", A6, 255, 0, rdh(syn)))
    probe("v6 3/0 M->A quoting echo request", "wan", ip6(M6, A6, 58, icmp(3, 0, 0, ping)))
    probe("v6 echo to ff02::1 id 310", "lan", ip6(A6, "ff02::1", 58, icmp(128, 0, 310 << 16 | 1, b"abcdefgh")))
    probe("v6 echo reply X->A id 310", "lan", ip6(X6, A6, 58, icmp(129, 0, 310 << 16 | 1, b"abcdefgh")))
