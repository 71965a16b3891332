"""Fragmented datagrams: defragmentation before conntrack, overlaps, DF and the router refragmenting."""
import socket
import time

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw

from ..registry import scenario
from ..traffic import C1, C1_6, C2, LSRV, RTR_WAN, SRV, SRV_6, WCLI
from .common import GAP, MASQ_TEXT, crafted_tcp, handshake, ipc, ping, silenced, steps, try_send, udp_ask, udp_flow


def _frag_frames(pkt, size):
    from scapy.layers.inet import fragment
    return fragment(pkt, fragsize=size)


@scenario(masq=True, nat_text=MASQ_TEXT, mtu={"lan": 1000}, params={"ucport": 35100, "port": 7001})
def frag_udp2(net, cap):
    """IPv4 UDP fragments through masquerade, LAN MTU 1000: a 2000-byte datagram fragmented by the LAN host
    (reassembled, NATed, refragmented), a 900-byte reply; a 2000-byte reply fragmented by the server at 1500
    (cannot be refragmented for the 1000-byte LAN: ICMP fragmentation-needed to the server); crafted: three
    fragments sent 2,3,1 with fragment 2 duplicated; a lone first fragment that never completes; a 4000-byte
    datagram from the LAN host."""
    srv = net.udp_socket(SRV, 7001)
    c = net.udp_socket(C1, 35100)
    c.sendto(bytes(2000), (SRV, 7001))
    d, a = srv.recvfrom(5000)
    net.note("server got %d from %s" % (len(d), a))
    srv.sendto(b"r" * 900, a)
    c.recvfrom(5000)
    time.sleep(GAP)
    srv.sendto(b"R" * 2000, a)
    try:
        c.settimeout(0.5)
        d, _ = c.recvfrom(5000)
        net.note("client got %d" % len(d))
    except OSError as e:
        net.note("big reply: %r" % e)
    time.sleep(GAP)
    pkt = IP(src=C1, dst=SRV, id=0x4444) / UDP(sport=35101, dport=7001) / Raw(bytes(range(256)) * 7)
    fr = _frag_frames(pkt, 600)
    send_all(net, [fr[1], fr[2], fr[1], fr[0]])
    pkt2 = IP(src=C1, dst=SRV, id=0x5555) / UDP(sport=35102, dport=7001) / Raw(b"z" * 1500)
    net.send(_frag_frames(pkt2, 800)[0])
    time.sleep(GAP)
    c.sendto(bytes(4000), (SRV, 7001))
    d, a = srv.recvfrom(5000)
    net.note("server got %d" % len(d))
    time.sleep(GAP)


@scenario(mtu={"lan": 1400}, params={"v6_cport": 35200, "port": 7002})
def frag6_2(net, cap):
    """IPv6 UDP fragments without NAT, LAN MTU 1400: a 2500-byte datagram fragmented by the LAN host, a 1000
    byte reply, a 2500-byte reply fragmented by the server (too big for the LAN: packet-too-big to the server,
    which resends at 1400); crafted fragments out of order."""
    from scapy.layers.inet6 import IPv6ExtHdrFragment, fragment6
    srv = net.udp_socket(SRV_6, 7002)
    c = net.udp_socket(C1_6, 35200)
    a = udp_ask(c, srv, bytes(2500), b"r" * 1000, (SRV_6, 7002))
    time.sleep(GAP)
    c.settimeout(0.5)
    for fill, which in ((b"R", "first"), (b"S", "second")):
        srv.sendto(fill * 2500, a)
        try:
            c.recvfrom(5000)
            net.note("%s big reply delivered" % which)
        except OSError as e:
            net.note("%s big reply: %r" % (which, e))
    time.sleep(GAP)
    pkt = IPv6(src=C1_6, dst=SRV_6) / IPv6ExtHdrFragment(id=0x666) / UDP(sport=35201, dport=7002) / Raw(b"q" * 1800)
    fr = fragment6(pkt, 700)
    for f in reversed(fr):
        net.send(f)
        time.sleep(0.02)
    time.sleep(GAP)


def udp_l4(src, dst, sport, dport, data):
    """UDP header + data with the checksum over the whole datagram (to be cut into fragments by frag())."""
    return bytes((ipc(src, dst) / UDP(sport=sport, dport=dport) / Raw(data))[UDP])


def frag(src, dst, ident, l4, pieces, proto=17):
    """Crafted fragments of the transport bytes ``l4``: pieces = [(offset, length, more)] (length None: to the
    end); IPv4 or IPv6 by the addresses."""
    from scapy.layers.inet6 import IPv6ExtHdrFragment
    out = []
    for off, ln, more in pieces:
        chunk = l4[off:] if ln is None else l4[off:off + ln]
        if ":" in src:
            out.append(IPv6(src=src, dst=dst) / IPv6ExtHdrFragment(id=ident, offset=off // 8, m=int(more), nh=proto)
                       / Raw(chunk))
        else:
            out.append(IP(src=src, dst=dst, id=ident, proto=proto, flags="MF" if more else 0, frag=off // 8)
                       / Raw(chunk))
    return out


def send_all(net, pkts, gap=0.02):
    for p in pkts:
        net.send(p)
        time.sleep(gap)
    time.sleep(GAP)


def _frag_odd_cases(net, src, dst, sport, dport, base):
    """Datagrams (ids base+k) crafted as fragments in odd orders; the three 600-byte pieces of a 1800-byte UDP
    datagram are P1 (0), P2 (600), P3 (1200, last)."""
    def dg(k, fill):
        return udp_l4(src, dst, sport, dport, bytes([fill]) * 1792)
    P1, P2, P3 = (0, 600, True), (600, 600, True), (1200, None, False)
    a = dg(0, 0x41)
    send_all(net, frag(src, dst, base, a, [P2, P3, P1]))                            # out of order
    b = dg(1, 0x42)
    send_all(net, frag(src, dst, base + 1, b, [P1, P1, P2, P3]))                    # duplicate first
    c = dg(2, 0x43)
    send_all(net, frag(src, dst, base + 2, c, [P1, P2, (608, 200, True), P3]))       # contained in P2: duplicate
    x, y = dg(3, 0x58), dg(3, 0x59)
    send_all(net, frag(src, dst, base + 3, x, [P1, (592, 608, True)]) +             # overlap: queue killed
             frag(src, dst, base + 3, y, [P3, P1, P2]))                             # a fresh queue completes
    e = dg(4, 0x45)
    send_all(net, frag(src, dst, base + 4, e, [P1, P3, (1200, 400, False), P2]))     # final fragments disagree
    f = dg(5, 0x46)
    send_all(net, frag(src, dst, base + 5, f, [P2]))                                # never completes
    g = dg(6, 0x47)
    send_all(net, frag(src, dst, base + 6, g, [P1, P2, P3]))                        # in order, after all that


@scenario(params={"ucport": 35300, "port": 7003})
def frag_overlap(net, cap):
    """IPv4 UDP fragments crafted from the LAN host to the server (no NAT) after a real request/reply: three
    fragments out of order; a duplicate first fragment (dropped alone); a fragment contained in another
    (duplicate); an overlap (the whole queue is killed) then a fresh complete set of the same id; two final
    fragments that disagree (queue killed; the last middle one starts a queue that never completes); a lone
    middle fragment; a normal in-order set."""
    c, srv = udp_flow(net, C1, 35300, SRV, 7003, b"hello", b"reply")
    _frag_odd_cases(net, C1, SRV, 35300, 7003, 0x2100)


@scenario(params={"ucport": 35310, "port": 7004})
def frag6_overlap(net, cap):
    """IPv6 UDP fragments crafted (no NAT) after a real request/reply, as frag_overlap (IPv6 drops the
    overlapping fragment and kills the queue; a disagreeing final fragment is dropped, the queue kept); then a
    non-final fragment whose length is not a multiple of 8 (queue killed, the fragment passes to conntrack
    unreassembled) and a first fragment too short for its UDP header (passes unreassembled)."""
    c, srv = udp_flow(net, C1_6, 35310, SRV_6, 7004, b"hello", b"reply")
    _frag_odd_cases(net, C1_6, SRV_6, 35310, 7004, 0x2200)
    h = udp_l4(C1_6, SRV_6, 35310, 7004, b"H" * 1792)
    send_all(net, frag(C1_6, SRV_6, 0x2210, h, [(0, 600, True), (600, 597, True), (1200, None, False)]))
    t = udp_l4(C1_6, SRV_6, 35310, 7004, b"T" * 600)
    send_all(net, frag(C1_6, SRV_6, 0x2211, t, [(0, 4, True), (8, None, False)]))


def _frag_pings(net):
    ping(net, "lan", "-c 2 -i 0.3 -s 3000 -W 1 %s" % SRV)
    ping(net, "lan", "-6 -c 2 -i 0.3 -s 3000 -W 1 %s" % SRV_6)
    ping(net, "wan", "-c 1 -s 2000 -W 1 %s" % RTR_WAN)


@scenario(masq=True, nat_text=MASQ_TEXT, params={"ping_size": 3000})
def frag_ping_masq(net, cap):
    """Fragmented ICMP echo: ping -s 3000 (two echoes) from the LAN host through masquerade (request and reply
    each in three fragments, reassembled, translated, fragmented again), ping6 -s 3000 (not NATed), and a
    2000-byte ping from the WAN host to the router's own address."""
    _frag_pings(net)


@scenario(params={"ping_size": 3000})
def frag_ping(net, cap):
    """frag_ping_masq without NAT."""
    _frag_pings(net)


def _frag_tcp(net, cp, sp, masq):
    """Crafted handshake, then data segments sent as IP fragments (in order, reversed), acknowledged; FIN."""
    C, S = crafted_tcp(cp, sp, reply_to=RTR_WAN if masq else C1, client_ip={"id": 0})
    cs, ss = 0x11110000, 0x22220000

    def data_in_fragments(seq, data, ident, pieces):
        seg = bytes(C("PA", seq, ss + 1, data)[TCP])
        send_all(net, frag(C1, SRV, ident, seg, pieces, proto=6))
        steps(net, S("A", ss + 1, seq + len(data)))
    handshake(net, C, S, cs, ss)
    data_in_fragments(cs + 1, b"D" * 1400, 0x3301, [(0, 480, True), (480, 480, True), (960, None, False)])
    data_in_fragments(cs + 1401, b"E" * 1000, 0x3302, [(512, None, False), (0, 512, True)])
    # a fragment holding only part of the TCP header first, the rest after
    data_in_fragments(cs + 2401, b"F" * 100, 0x3303, [(0, 8, True), (8, None, False)])
    steps(net, C("FA", cs + 2501, ss + 1), S("FA", ss + 1, cs + 2502), C("A", cs + 2502, ss + 2))


@scenario(params={"cport": 45930, "port": 7930}, prepare=silenced([45930], [7930]))
def frag_tcp(net, cap):
    """Crafted TCP (host stacks silenced, no NAT): handshake, a 1400-byte data segment in three IP fragments,
    a 1000-byte one in two fragments sent last first, a 100-byte one whose first fragment holds only 8 bytes
    of the TCP header; ACKs and a FIN close."""
    _frag_tcp(net, 45930, 7930, False)


@scenario(masq=True, nat_text=MASQ_TEXT, params={"cport": 45940, "port": 7940}, prepare=silenced([45940], [7940]))
def frag_tcp_masq(net, cap):
    """frag_tcp through masquerade (the server's crafted answers go to the router's address)."""
    _frag_tcp(net, 45940, 7940, True)


IP_MTU_DISCOVER, IP_PMTUDISC_DONT, IP_PMTUDISC_DO = 10, 0, 2


def df_socket(net, addr, port, df):
    s = net.udp_socket(addr, port)
    if ":" not in addr:
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO if df else IP_PMTUDISC_DONT)
    return s


@scenario(masq=True, nat_text=MASQ_TEXT, mtu={"rtr:wan": 1280}, params={"ucport": 35400, "port": 7005})
def frag_df_masq(net, cap):
    """Router WAN MTU 1280 (hosts keep 1500), masquerade: a 1400-byte UDP datagram with DF from the LAN host
    (the router answers fragmentation-needed, mtu 1280), sent again after the host learned the path MTU
    (fragmented by the host); one without DF from another LAN host to another WAN address (fragmented by the
    router after NAT); the 1400-byte replies never reach the router (bigger than its WAN link's MTU); IPv6 UDP of 1400 bytes (packet-too-big from the router) then resent (the host
    fragments)."""
    srv = net.udp_socket(SRV, 7005)
    c = df_socket(net, C1, 35400, True)
    try_send(net, c, b"d" * 1400, (SRV, 7005))
    time.sleep(GAP)
    c.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, 1)     # IP_PMTUDISC_WANT: fragments to the learned MTU
    try_send(net, c, b"d" * 1400, (SRV, 7005))
    time.sleep(GAP)
    d, a = srv.recvfrom(5000)
    srv.sendto(b"r" * 1400, a)
    time.sleep(GAP)
    # a destination whose path MTU the LAN host has not learned: the router fragments the datagram
    srv2 = net.udp_socket(WCLI, 7005)
    c2 = df_socket(net, C2, 35401, False)
    try_send(net, c2, b"n" * 1400, (WCLI, 7005))
    d, a = srv2.recvfrom(5000)
    srv2.sendto(b"R" * 1400, a)
    time.sleep(GAP)
    srv6 = net.udp_socket(SRV_6, 7005)
    c6 = net.udp_socket(C1_6, 35402)
    for _ in range(2):
        try_send(net, c6, b"v" * 1400, (SRV_6, 7005))
        time.sleep(GAP)
    try:
        d, a = srv6.recvfrom(5000)
        srv6.sendto(b"w" * 1400, a)
    except OSError as e:
        net.note("v6: %r" % e)
    time.sleep(GAP)


DNAT_FRAG = ['iifname "wan" ip daddr 203.0.113.1 udp dport 5454 dnat ip to 198.51.100.20:5999']


@scenario(dnat=DNAT_FRAG, nat_text={"dnat": DNAT_FRAG}, mtu={"lan": 1000}, params={"ucport": 35500})
def frag_dnat(net, cap):
    """DNAT of the router's UDP port 5454 to 198.51.100.20:5999, LAN MTU 1000: a 3000-byte datagram from a
    WAN client (fragmented at 1500 by it; reassembled, DNATed, cut to 1000 for the LAN), the 3000-byte reply
    (fragmented at 1000 by the LAN server; un-DNATed, sent on in its fragments), a 1400-byte datagram with DF
    (too big for the LAN: the router's fragmentation-needed quotes it translated back to the router's address
    and port), crafted fragments in reverse order, and a datagram that never completes."""
    srv = net.udp_socket(LSRV, 5999)
    c = df_socket(net, WCLI, 35500, False)
    udp_ask(c, srv, b"a" * 3000, b"b" * 3000, (RTR_WAN, 5454))
    time.sleep(GAP)
    cd = df_socket(net, WCLI, 35501, True)
    try_send(net, cd, b"c" * 1400, (RTR_WAN, 5454))
    time.sleep(GAP)
    l4 = udp_l4(WCLI, RTR_WAN, 35502, 5454, b"e" * 1792)
    send_all(net, frag(WCLI, RTR_WAN, 0x4401, l4, [(1200, None, False), (600, 600, True), (0, 600, True)]))
    send_all(net, frag(WCLI, RTR_WAN, 0x4402, l4, [(0, 600, True), (1200, None, False)]))
