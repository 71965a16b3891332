"""Scenarios: each a function (net, cap) with a .spec (NAT, helper, host preparation, parameters).

The docstring becomes case.json "description". Real stacks wherever possible; scapy only for crafted packets.
"""
import socket
import struct
import time

from scapy.layers.inet import IP, TCP, UDP, ICMP
from scapy.layers.inet6 import IPv6, ICMPv6EchoRequest
from scapy.packet import Raw

from hostnet import C1, C2, LSRV, SRV, WCLI, RTR_WAN, RTR_LAN, C1_6, SRV_6

ALL = []
GAP = 0.15
MASQ_TEXT = {"masquerade": {"from": "198.51.100.0/24", "out": "wan", "to": "203.0.113.1",
                            "ports": "kept if unique, else a free port chosen by the kernel"}}


def scenario(**spec):
    def wrap(fn):
        fn.spec = spec
        ALL.append(fn.__name__)
        return fn
    return wrap


def silence(net, side, ports, v6=False):
    """The host's own stack never sees TCP segments to these ports (crafted conversations)."""
    rules = "".join("\t\ttcp dport %d drop\n" % p for p in ports)
    net.host_nft(side, "table inet silence {\n\tchain in {\n\t\ttype filter hook input priority -300; policy accept;\n"
                 + rules + "\t}\n}\n")


# ================================================================================================ validation

@scenario(params={"cport": 41200, "port": 5101})
def tcp_basic_re(net, cap):
    """Re-recording of the public tcp_basic kind: handshake, request, response, client FIN close."""
    c, s = net.tcp_pair(C1, 41200, SRV, 5101)
    time.sleep(GAP)
    c.sendall(b"hello from client\n")
    net.recv_exact(s, 18)
    s.sendall(b"hello from server, 42\n")
    net.recv_exact(c, 22)
    time.sleep(GAP)
    c.close()
    time.sleep(0.05)
    s.recv(10)
    s.close()
    time.sleep(0.2)


@scenario(params={"ucport": 42200})
def udp_re(net, cap):
    """Re-recording of the public udp kind: request/response, an unreplied flow, a >2 s stream (ASSURED)."""
    srv = net.udp_socket(SRV, 5353)
    sink = net.udp_socket(SRV, 5454)      # bound, never answers
    strm = net.udp_socket(SRV, 5555)
    c = net.udp_socket(C1, 42200)
    c.sendto(b"dns-like query 1234567890", (SRV, 5353))
    d, a = srv.recvfrom(2000)
    srv.sendto(b"dns-like answer 1234", a)
    c.recvfrom(2000)
    time.sleep(GAP)
    c2 = net.udp_socket(C1, 42201)
    for _ in range(3):
        c2.sendto(b"no answer\n", (SRV, 5454))
        time.sleep(GAP)
    c3 = net.udp_socket(C1, 42202)
    for i in range(8):
        c3.sendto(b"stream request %02d " % i + b"x" * 30, (SRV, 5555))
        d, a = strm.recvfrom(2000)
        strm.sendto(b"stream reply\n", a)
        c3.recvfrom(2000)
        time.sleep(0.4)


# ================================================================================================ TCP

@scenario(params={"cport": 41100, "port": 5002, "abort_side": "server"})
def tcp_abort_server(net, cap):
    """Established TCP connection with data both ways, then the SERVER aborts (SO_LINGER 0 close, RST from the
    WAN side); the client then sends late data and the server host answers with a RST. No NAT."""
    c, s = net.tcp_pair(C1, 41100, SRV, 5002)
    time.sleep(GAP)
    c.sendall(b"hello from client\n")
    net.recv_exact(s, 18)
    s.sendall(b"hello from server, 42\n")
    net.recv_exact(c, 22)
    time.sleep(GAP)
    net.linger0(s)
    s.close()
    time.sleep(GAP)
    try:
        c.sendall(b"late data\n")
        time.sleep(GAP)
        c.recv(100)
        c.sendall(b"later data\n")
    except OSError as e:
        net.note("late send: %r" % e)
    time.sleep(0.2)
    c.close()


@scenario(params={"cport": 41110, "port": 5012, "abort_side": "server", "nat": "masquerade"}, masq=True,
          nat_text=MASQ_TEXT)
def tcp_abort_server_masq(net, cap):
    """tcp_abort_server through masquerade."""
    c, s = net.tcp_pair(C1, 41110, SRV, 5012)
    time.sleep(GAP)
    c.sendall(b"hello from client\n")
    net.recv_exact(s, 18)
    s.sendall(b"hello from server, 42\n")
    net.recv_exact(c, 22)
    time.sleep(GAP)
    net.linger0(s)
    s.close()
    time.sleep(GAP)
    try:
        c.sendall(b"late data\n")
        time.sleep(GAP)
        c.recv(100)
    except OSError as e:
        net.note("late send: %r" % e)
    c.close()


def _midstream(net, first, cport, port):
    """Crafted conversation on both sides; host stacks silenced."""
    cseq, sseq = 0x10002000 + cport, 0x70001000 + port
    cwin, swin = 502, 509

    def C(flags, data=b"", seq=None, ack=None):
        return IP(src=C1, dst=SRV, id=1000 + int(time.time() * 1000) % 5000) / TCP(
            sport=cport, dport=port, flags=flags, seq=cseq if seq is None else seq,
            ack=sseq if ack is None else ack, window=cwin) / Raw(data)

    def S(flags, data=b"", seq=None, ack=None):
        return IP(src=SRV, dst=C1, id=2000 + int(time.time() * 1000) % 5000) / TCP(
            sport=port, dport=cport, flags=flags, seq=sseq if seq is None else seq,
            ack=cseq if ack is None else ack, window=swin) / Raw(data)

    cdata = b"mid-stream data, client side " * 2
    sdata = b"server answer mid-stream"
    if first == "client":
        net.send(C("PA", cdata)); cseq += len(cdata); time.sleep(GAP)
        net.send(S("A")); time.sleep(GAP)
        net.send(S("PA", sdata)); sseq += len(sdata); time.sleep(GAP)
        net.send(C("A")); time.sleep(GAP)
    else:
        net.send(S("PA", sdata)); sseq += len(sdata); time.sleep(GAP)
        net.send(C("A")); time.sleep(GAP)
        net.send(C("PA", cdata)); cseq += len(cdata); time.sleep(GAP)
        net.send(S("A")); time.sleep(GAP)
    # close started by the other side than the first packet's
    if first == "client":
        net.send(S("FA")); sseq += 1; time.sleep(GAP)
        net.send(C("FA")); cseq += 1; time.sleep(GAP)
        net.send(S("A")); time.sleep(GAP)
    else:
        net.send(C("FA")); cseq += 1; time.sleep(GAP)
        net.send(S("FA")); sseq += 1; time.sleep(GAP)
        net.send(C("A")); time.sleep(GAP)


@scenario(params={"mid_cport": 43100, "mid_port": 7100, "mid_first": "server"},
          prepare=lambda net: (silence(net, "lan", [43100]), silence(net, "wan", [7100])))
def tcp_midstream_server(net, cap):
    """TCP picked up mid-stream (tcp_loose=1): the first packet the router sees is a data segment from the
    SERVER. All segments crafted (scapy) on both sides, host stacks silenced; data both ways, FIN close
    started by the client. No NAT."""
    _midstream(net, "server", 43100, 7100)


@scenario(params={"mid_cport": 43200, "mid_port": 7200, "mid_first": "client"},
          prepare=lambda net: (silence(net, "lan", [43200]), silence(net, "wan", [7200])))
def tcp_midstream_client2(net, cap):
    """Like the public tcp_midstream (client's data first) with other ports, closed by the server first."""
    _midstream(net, "client", 43200, 7200)


def _prep_established_before_ruleset(cport, port, first):
    """Prepare: a real connection established before conntrack exists in the router namespace."""
    def prep(net):
        lab = net.lab
        # the ruleset is already loaded by the runner: remove it, connect, load it again
        rs = lab.sh("rtr", ["nft", "list", "ruleset"], capture=True)
        lab.sh("rtr", ["nft", "flush", "ruleset"])
        time.sleep(0.3)
        c, s = net.tcp_pair(C1, cport, SRV, port)
        c.sendall(b"before the ruleset\n")
        net.recv_exact(s, 19)
        s.sendall(b"ok\n")
        net.recv_exact(c, 3)
        time.sleep(0.2)
        lab.nft("rtr", rs)
        net.pre = (c, s)
    return prep


def _real_mid_traffic(net, first):
    c, s = net.pre
    a, b = (c, s) if first == "client" else (s, c)
    msg = b"first packet conntrack sees, %s side\n" % first.encode()
    a.sendall(msg)
    net.recv_exact(b, len(msg))
    time.sleep(GAP)
    b.sendall(b"answer\n")
    net.recv_exact(a, 7)
    time.sleep(GAP)
    a.sendall(b"y" * 3000)
    net.recv_exact(b, 3000)
    time.sleep(GAP)
    b.close()
    time.sleep(0.05)
    a.recv(10)
    a.close()
    time.sleep(0.2)


@scenario(params={"cport": 43300, "port": 7300, "mid_first": "server"},
          prepare=_prep_established_before_ruleset(43300, 7300, "server"))
def tcp_midstream_real_server(net, cap):
    """Real TCP connection established before conntrack was active in the router (the ruleset, which pulls
    conntrack in, is loaded after the handshake); the first packet conntrack sees is data from the SERVER
    (window scaling in use but unknown to conntrack). More data, then the client side closes first."""
    _real_mid_traffic(net, "server")


@scenario(params={"cport": 43400, "port": 7400, "mid_first": "client"},
          prepare=_prep_established_before_ruleset(43400, 7400, "client"))
def tcp_midstream_real_client(net, cap):
    """As tcp_midstream_real_server but the client sends first after conntrack appears."""
    _real_mid_traffic(net, "client")


def _bulk(net, cport, port, size, closer, src=C1, dst=SRV):
    ls = net.tcp_listen(dst, port)
    payload_c = bytes((i * 7) & 0xFF for i in range(size))
    payload_s = bytes((i * 13) & 0xFF for i in range(size))

    def server():
        s, _ = ls.accept()
        s.settimeout(10)
        got = net.recv_exact(s, size)
        net.note("server got %d bytes" % len(got))
        s.sendall(payload_s)
        if closer == "server":
            s.close()
        else:
            s.recv(10)
            s.close()
    net.bg(server)
    c = net.tcp_socket(src, cport)
    c.settimeout(10)
    c.connect((dst, port))
    c.sendall(payload_c)
    got = net.recv_exact(c, size)
    net.note("client got %d bytes" % len(got))
    if closer == "server":
        c.recv(10)
        time.sleep(0.05)
    c.close()
    net.join()
    ls.close()
    time.sleep(0.3)


@scenario(params={"cport": 41300, "port": 5300, "size": 300000, "closer": "client"})
def tcp_bulk(net, cap):
    """300 KB from client to server, then 300 KB back (window scaling, SACK permitted, many segments); the
    client closes first. No NAT."""
    _bulk(net, 41300, 5300, 300000, "client")


@scenario(params={"cport": 41310, "port": 5310, "size": 300000, "closer": "server"})
def tcp_bulk_server_close(net, cap):
    """tcp_bulk, closed by the server first (FIN right after its last data segment)."""
    _bulk(net, 41310, 5310, 300000, "server")


@scenario(params={"cport": 41320, "port": 5320, "size": 200000, "closer": "client"}, masq=True, nat_text=MASQ_TEXT)
def tcp_bulk_masq(net, cap):
    """200 KB both ways through masquerade, client closes."""
    _bulk(net, 41320, 5320, 200000, "client")


@scenario(params={"v6_cport": 46100, "v6_tcp": 8181})
def tcp_basic6(net, cap):
    """IPv6 TCP: handshake, request, response, client FIN close; then the same 4-tuple is not reused. No NAT."""
    c, s = net.tcp_pair(C1_6, 46100, SRV_6, 8181)
    time.sleep(GAP)
    c.sendall(b"hello from client\n")
    net.recv_exact(s, 18)
    s.sendall(b"hello from server, 42\n")
    net.recv_exact(c, 22)
    time.sleep(GAP)
    c.close()
    time.sleep(0.05)
    s.recv(10)
    s.close()
    time.sleep(0.2)


@scenario(params={"v6_cport": 46200, "closed_port": 5999})
def tcp_refused6(net, cap):
    """IPv6: two SYNs to a closed port, each answered by RST/ACK from the server host. No NAT."""
    for cp in (46200, 46201):
        c = net.tcp_socket(C1_6, cp)
        c.settimeout(2)
        try:
            c.connect((SRV_6, 5999))
        except OSError as e:
            net.note("connect from %d: %r" % (cp, e))
        c.close()
        time.sleep(GAP)


@scenario(params={"v6_cport": 46300, "v6_tcp": 8183})
def tcp_abort6(net, cap):
    """IPv6: established connection, client aborts (SO_LINGER 0), server's late data gets a RST. No NAT."""
    c, s = net.tcp_pair(C1_6, 46300, SRV_6, 8183)
    c.sendall(b"hello\n")
    net.recv_exact(s, 6)
    s.sendall(b"world\n")
    net.recv_exact(c, 6)
    time.sleep(GAP)
    net.linger0(c)
    c.close()
    time.sleep(GAP)
    try:
        s.sendall(b"late\n")
        time.sleep(GAP)
        s.recv(10)
    except OSError as e:
        net.note("late send: %r" % e)
    s.close()


# ================================================================================================ ICMP errors

REJECT4 = """table inet hostrej {
\tchain in {
\t\ttype filter hook input priority 0; policy accept;
\t\ttcp dport 5201 reject with icmp type host-unreachable
\t\ttcp dport 5202 reject with icmp type port-unreachable
\t\ttcp dport 5203 reject with icmp type admin-prohibited
\t\ttcp dport 5205 reject with icmp type net-unreachable
\t}
}
"""


def _connect_nb(net, src, sport, dst, dport, wait=0.4):
    c = net.tcp_socket(src, sport)
    c.setblocking(False)
    try:
        c.connect((dst, dport))
    except BlockingIOError:
        pass
    time.sleep(wait)
    err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    net.note("connect %s:%d -> %s:%d: errno %d" % (src, sport, dst, dport, err))
    c.close()


def _reject_midflow(net, src, cport, dst, port, rule, nftfam="ip"):
    c, s = net.tcp_pair(src, cport, dst, port)
    c.sendall(b"before reject\n")
    net.recv_exact(s, 14)
    s.sendall(b"ack\n")
    net.recv_exact(c, 4)
    time.sleep(GAP)
    net.host_nft("wan", "add table inet midrej\nadd chain inet midrej in { type filter hook input priority 0; }\n"
                 "add rule inet midrej in tcp dport %d %s\n" % (port, rule))
    c.sendall(b"after reject\n")
    time.sleep(0.5)     # a retransmission or two, each answered by the error
    net.linger0(c)
    c.close()
    s.close()
    net.lab.sh("wan", ["nft", "delete", "table", "inet", "midrej"])
    time.sleep(GAP)


@scenario(params={"ports": [5201, 5202, 5203, 5205, 5204, 5206]},
          prepare=lambda net: net.host_nft("wan", REJECT4))
def icmp_errors_tcp(net, cap):
    """TCP SYNs answered by the WAN host's nft reject with ICMP host-unreachable, port-unreachable,
    admin-prohibited and net-unreachable (each quoting the SYN; the host-unreachable one is a soft error, so the
    SYN may be retransmitted), then an established connection whose later data is rejected with
    admin-prohibited (ICMP quoting a data segment, then the client's RST), and one rejected with a TCP reset
    mid-flow. No NAT."""
    _connect_nb(net, C1, 41401, SRV, 5201, wait=1.3)
    _connect_nb(net, C1, 41402, SRV, 5202)
    _connect_nb(net, C1, 41403, SRV, 5203)
    _connect_nb(net, C1, 41405, SRV, 5205)
    _reject_midflow(net, C1, 41404, SRV, 5204, "reject with icmp type admin-prohibited")
    _reject_midflow(net, C1, 41406, SRV, 5206, "reject with tcp reset")


REJECT6 = """table inet hostrej {
\tchain in {
\t\ttype filter hook input priority 0; policy accept;
\t\ttcp dport 5201 reject with icmpv6 type addr-unreachable
\t\ttcp dport 5202 reject with icmpv6 type port-unreachable
\t\ttcp dport 5203 reject with icmpv6 type admin-prohibited
\t\ttcp dport 5205 reject with icmpv6 type no-route
\t}
}
"""


@scenario(params={"ports": [5201, 5202, 5203, 5205, 5204, 5206]},
          prepare=lambda net: net.host_nft("wan", REJECT6))
def icmp_errors_tcp6(net, cap):
    """IPv6 version of icmp_errors_tcp: ICMPv6 address-unreachable, port-unreachable, admin-prohibited and
    no-route answering SYNs, then admin-prohibited and a TCP reset mid-flow. No NAT."""
    _connect_nb(net, C1_6, 41401, SRV_6, 5201, wait=1.3)
    _connect_nb(net, C1_6, 41402, SRV_6, 5202)
    _connect_nb(net, C1_6, 41403, SRV_6, 5203)
    _connect_nb(net, C1_6, 41405, SRV_6, 5205)
    _reject_midflow(net, C1_6, 41404, SRV_6, 5204, "reject with icmpv6 type admin-prohibited")
    _reject_midflow(net, C1_6, 41406, SRV_6, 5206, "reject with tcp reset")


def _icmp_echo_raw(net, src, dst, ident, seq, v6=False):
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    s = net.lab.socket("lan", fam, socket.SOCK_RAW, proto)
    s.bind((src, 0))
    typ = 128 if v6 else 8
    body = struct.pack(">BBHHH", typ, 0, 0, ident, seq) + b"ping payload 0123456789abcdef"
    if not v6:
        csum = _csum(body)
        body = body[:2] + struct.pack(">H", csum) + body[4:]
    s.sendto(body, (dst, 0))
    s.settimeout(1)
    try:
        while True:
            d, a = s.recvfrom(2000)
            off = 0 if v6 else (d[0] & 15) * 4
            if d[off] == (129 if v6 else 0):
                return True
    except socket.timeout:
        return False
    finally:
        s.close()


def _csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


@scenario(masq=True, nat_text=MASQ_TEXT, params={"echo_id": 0x4242},
          prepare=lambda net: net.host_nft("wan", REJECT4))
def icmp_masq(net, cap):
    """Through masquerade: ping (2 echoes) to the server; two LAN hosts pinging with the same ICMP id (the
    second gets another id); UDP to a closed port (ICMP port unreachable translated back); TCP SYN to a closed
    port (RST); TCP SYN rejected with ICMP admin-prohibited by the server host; a UDP datagram with TTL 1 (the
    router answers time-exceeded itself); a UDP datagram with TTL 2 (forwarded with TTL 1)."""
    net.lab.sh("lan", "ping -c 2 -i 0.2 -W 1 %s" % SRV, check=False)
    time.sleep(GAP)
    r1 = _icmp_echo_raw(net, C1, SRV, 0x4242, 1)
    time.sleep(GAP)
    r2 = _icmp_echo_raw(net, C2, SRV, 0x4242, 1)
    net.note("same-id echoes answered: %s %s" % (r1, r2))
    time.sleep(GAP)
    u = net.udp_socket(C1, 42300)
    u.sendto(b"to a closed port\n", (SRV, 5999))
    try:
        u.recvfrom(100)
    except OSError as e:
        net.note("udp closed port: %r" % e)
    time.sleep(GAP)
    _connect_nb(net, C1, 41500, SRV, 5999, wait=0.2)
    time.sleep(GAP)
    _connect_nb(net, C1, 41501, SRV, 5203, wait=0.2)
    time.sleep(GAP)
    t = net.udp_socket(C1, 42301)
    t.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    t.sendto(b"ttl one\n", (SRV, 5998))
    time.sleep(GAP)
    t.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 2)
    t.sendto(b"ttl two\n", (SRV, 5998))
    time.sleep(GAP)


@scenario(params={})
def icmp_ttl_nonat(net, cap):
    """No NAT: UDP with TTL 1 (router's own time-exceeded), ping with TTL 1, TCP SYN with TTL 1, then a normal
    UDP exchange on the same ports (the TTL-1 datagram never got a confirmed entry)."""
    t = net.udp_socket(C1, 42401)
    srv = net.udp_socket(SRV, 5997)
    t.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    t.sendto(b"ttl one\n", (SRV, 5997))
    time.sleep(GAP)
    net.lab.sh("lan", "ping -c 1 -t 1 -W 0.5 %s" % SRV, check=False)
    time.sleep(GAP)
    c = net.tcp_socket(C1, 41601)
    c.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    c.setblocking(False)
    try:
        c.connect((SRV, 5996))
    except BlockingIOError:
        pass
    time.sleep(0.3)
    c.close()
    t.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 64)
    t.sendto(b"ttl normal\n", (SRV, 5997))
    d, a = srv.recvfrom(100)
    srv.sendto(b"reply\n", a)
    time.sleep(GAP)


@scenario(masq=True, nat_text=MASQ_TEXT, params={})
def icmp6_errors_udp(net, cap):
    """IPv6 (masquerade only covers IPv4, so untranslated): UDP to a closed port (ICMPv6 port unreachable),
    hop limit 1 UDP (router's ICMPv6 time exceeded), ping6 with hop limit 1, normal ping6."""
    u = net.udp_socket(C1_6, 42500)
    u.sendto(b"closed port\n", (SRV_6, 5999))
    try:
        u.recvfrom(100)
    except OSError as e:
        net.note("udp6 closed: %r" % e)
    time.sleep(GAP)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 1)
    u.sendto(b"hop one\n", (SRV_6, 5998))
    time.sleep(GAP)
    net.lab.sh("lan", "ping -6 -c 1 -t 1 -W 0.5 %s" % SRV_6, check=False)
    time.sleep(GAP)
    net.lab.sh("lan", "ping -6 -c 2 -i 0.2 -W 1 %s" % SRV_6, check=False)
    time.sleep(GAP)


# ================================================================================================ UDP

@scenario(params={"ucport": 42700})
def udp_variants(net, cap):
    """UDP: request/response on other ports; a 3 s stream with 0.1 s gaps (ASSURED after 2 s); an unreplied
    flow; one source port to two different servers; a flow started from the WAN side. No NAT."""
    srv = net.udp_socket(SRV, 5301)
    srv2 = net.udp_socket(WCLI, 5301)
    c = net.udp_socket(C1, 42700)
    c.sendto(b"query A", (SRV, 5301))
    d, a = srv.recvfrom(100)
    srv.sendto(b"answer A long " * 3, a)
    c.recvfrom(100)
    time.sleep(GAP)
    c.sendto(b"query B", (WCLI, 5301))
    d, a = srv2.recvfrom(100)
    srv2.sendto(b"answer B", a)
    c.recvfrom(100)
    time.sleep(GAP)
    sink = net.udp_socket(SRV, 5302)
    c2 = net.udp_socket(C1, 42701)
    for _ in range(2):
        c2.sendto(b"unanswered", (SRV, 5302))
        time.sleep(GAP)
    lsrv = net.udp_socket(LSRV, 6100)
    w = net.udp_socket(WCLI, 42702)
    w.sendto(b"from the wan", (LSRV, 6100))
    d, a = lsrv.recvfrom(100)
    lsrv.sendto(b"lan answers", a)
    w.recvfrom(100)
    time.sleep(GAP)
    st = net.udp_socket(SRV, 5303)
    c3 = net.udp_socket(C1, 42703)
    t0 = time.time()
    n = 0
    while time.time() - t0 < 3.0:
        c3.sendto(b"s%03d" % n, (SRV, 5303))
        d, a = st.recvfrom(100)
        st.sendto(b"r%03d" % n, a)
        c3.recvfrom(100)
        n += 1
        time.sleep(0.1)
    net.note("stream pairs: %d" % n)
    # a one-way stream: original direction only for > 2 s
    c4 = net.udp_socket(C1, 42704)
    c2.sendto(b"unanswered again", (SRV, 5302))


@scenario(params={"ucport": 42800})
def udp_oneway_long(net, cap):
    """UDP only in the original direction for 2.5 s (stays UNREPLIED, never ASSURED), then a single reply, then
    more requests (a reply seen long after creation)."""
    srv = net.udp_socket(SRV, 5401)
    c = net.udp_socket(C1, 42800)
    for i in range(6):
        c.sendto(b"req %d" % i, (SRV, 5401))
        time.sleep(0.5)
    d, a = srv.recvfrom(100)
    srv.sendto(b"late reply", a)
    c.recvfrom(100)
    time.sleep(GAP)
    c.sendto(b"req after reply", (SRV, 5401))
    time.sleep(GAP)
    srv.sendto(b"second reply", a)
    time.sleep(GAP)


# ================================================================================================ NAT

DNAT_RULES = ['iifname "wan" ip daddr 203.0.113.1 tcp dport 2222 dnat ip to 198.51.100.20:22',
              'iifname "wan" ip daddr 203.0.113.1 udp dport 5353 dnat ip to 198.51.100.20:53',
              'iifname "wan" ip daddr 203.0.113.1 tcp dport 8443 dnat ip to 198.51.100.20']


@scenario(dnat=DNAT_RULES, nat_text={"dnat": DNAT_RULES})
def dnat_other_ports(net, cap):
    """DNAT: WAN client to router:2222 -> LAN server :22 (TCP, data both ways, client close); UDP to
    router:5353 -> LAN :53 (two exchanges); TCP to router:8443 -> LAN server same port (server closes first);
    a UDP datagram to router:5353 from another WAN address."""
    ls = net.tcp_listen(LSRV, 22)
    c, s = net.tcp_pair(WCLI, 40900, RTR_WAN, 2222, listener=ls)
    c.sendall(b"SSH-2.0-client\r\n")
    net.recv_exact(s, 16)
    s.sendall(b"SSH-2.0-server\r\n" + b"z" * 2000)
    net.recv_exact(c, 2016)
    time.sleep(GAP)
    c.close()
    time.sleep(0.05)
    s.recv(10)
    s.close()
    ls.close()
    time.sleep(GAP)
    us = net.udp_socket(LSRV, 53)
    uc = net.udp_socket(WCLI, 40901)
    for i in range(2):
        uc.sendto(b"query %d" % i, (RTR_WAN, 5353))
        d, a = us.recvfrom(100)
        us.sendto(b"answer %d" % i, a)
        uc.recvfrom(100)
        time.sleep(GAP)
    uc2 = net.udp_socket(SRV, 40902)
    uc2.sendto(b"other wan host", (RTR_WAN, 5353))
    d, a = us.recvfrom(100)
    us.sendto(b"answer other", a)
    uc2.recvfrom(100)
    time.sleep(GAP)
    ls2 = net.tcp_listen(LSRV, 8443)
    c, s = net.tcp_pair(WCLI, 40903, RTR_WAN, 8443, listener=ls2)
    c.sendall(b"GET\n")
    net.recv_exact(s, 4)
    s.sendall(b"200 OK\n")
    s.close()
    net.recv_exact(c, 7)
    c.recv(10)
    c.close()
    ls2.close()
    time.sleep(0.2)


@scenario(masq=True, nat_text=MASQ_TEXT, params={"clash_port": 40100, "clash_udp_dport": 9100})
def snat_clash_udp(net, cap):
    """Three LAN hosts send UDP from source port 40100 to the same server:9100 through masquerade (the 2nd and
    3rd get other ports), each answered twice; then the same for TCP from port 40101 with three hosts."""
    srv = net.udp_socket(SRV, 9100)
    socks = [net.udp_socket(a, 40100) for a in (C1, C2, LSRV)]
    for s in socks:
        s.sendto(b"hello", (SRV, 9100))
        d, a = srv.recvfrom(100)
        net.note("udp server saw %s" % (a,))
        srv.sendto(b"hi 1", a)
        srv.sendto(b"hi 2", a)
        s.recvfrom(100)
        s.recvfrom(100)
        time.sleep(GAP)
    ls = net.tcp_listen(SRV, 9101)
    pairs = []
    for a in (C1, C2, LSRV):
        c, s = net.tcp_pair(a, 40101, SRV, 9101, listener=ls)
        net.note("tcp server saw %s" % (s.getpeername(),))
        c.sendall(b"client\n")
        net.recv_exact(s, 7)
        pairs.append((c, s))
        time.sleep(GAP)
    for c, s in pairs:
        c.close()
    time.sleep(0.05)
    for c, s in pairs:
        s.recv(10)
        s.close()
    ls.close()
    time.sleep(0.2)


# ================================================================================================ TCP special

@scenario(params={"cport": 43500, "port": 7500},
          prepare=lambda net: (silence(net, "lan", [43500]), silence(net, "wan", [7500])))
def tcp_simultaneous_open(net, cap):
    """Crafted simultaneous open: client SYN, server SYN (reply direction), client SYN/ACK, server SYN/ACK, then
    data, ACKs and a FIN close. No NAT."""
    cp, sp = 43500, 7500
    cs, ss = 1000000, 5000000
    opts = [("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]

    def C(fl, seq, ack=0, data=b"", o=None):
        return IP(src=C1, dst=SRV) / TCP(sport=cp, dport=sp, flags=fl, seq=seq, ack=ack, window=64240,
                                         options=o or []) / Raw(data)

    def S(fl, seq, ack=0, data=b"", o=None):
        return IP(src=SRV, dst=C1) / TCP(sport=sp, dport=cp, flags=fl, seq=seq, ack=ack, window=65160,
                                         options=o or []) / Raw(data)
    net.send(C("S", cs, o=opts)); time.sleep(GAP)
    net.send(S("S", ss, o=opts)); time.sleep(GAP)
    net.send(C("SA", cs, ss + 1, o=opts)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1, o=opts)); time.sleep(GAP)
    net.send(C("A", cs + 1, ss + 1)); time.sleep(GAP)
    net.send(S("A", ss + 1, cs + 1)); time.sleep(GAP)
    net.send(C("PA", cs + 1, ss + 1, b"hello")); time.sleep(GAP)
    net.send(S("A", ss + 1, cs + 6)); time.sleep(GAP)
    net.send(C("FA", cs + 6, ss + 1)); time.sleep(GAP)
    net.send(S("FA", ss + 1, cs + 7)); time.sleep(GAP)
    net.send(C("A", cs + 7, ss + 2)); time.sleep(GAP)


@scenario(params={"cport": 43600, "port": 7600},
          prepare=lambda net: (silence(net, "lan", [43600]), silence(net, "wan", [7600])))
def tcp_syn_retrans(net, cap):
    """Crafted: the same SYN 5 times (0.1 s apart), then a SYN with another ISN, then a SYN/ACK for the second,
    the ACK, then one data segment retransmitted 5 times unacknowledged (max_retrans), then its ACK. No NAT."""
    cp, sp = 43600, 7600
    cs, ss = 2000000, 6000000
    opts = [("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]

    def C(fl, seq, ack=0, data=b"", o=None):
        return IP(src=C1, dst=SRV) / TCP(sport=cp, dport=sp, flags=fl, seq=seq, ack=ack, window=502 if "S" not in fl else 64240,
                                         options=o or []) / Raw(data)

    def S(fl, seq, ack=0, data=b"", o=None):
        return IP(src=SRV, dst=C1) / TCP(sport=sp, dport=cp, flags=fl, seq=seq, ack=ack, window=509 if "S" not in fl else 65160,
                                         options=o or []) / Raw(data)
    for _ in range(5):
        net.send(C("S", cs, o=opts)); time.sleep(0.1)
    cs += 77777
    net.send(C("S", cs, o=opts)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1, o=opts)); time.sleep(GAP)
    net.send(C("A", cs + 1, ss + 1)); time.sleep(GAP)
    for _ in range(5):
        net.send(C("PA", cs + 1, ss + 1, b"retransmitted data")); time.sleep(0.1)
    net.send(S("A", ss + 1, cs + 19)); time.sleep(GAP)


@scenario(params={"cport": 43700, "port": 7700})
def tcp_rst_in_window(net, cap):
    """Real connection; a crafted RST from the client with a sequence inside the window but not the expected
    one (the server stack answers with a challenge ACK), then a crafted RST carrying exactly the challenge
    ACK's acknowledgement number (conntrack accepts it after the challenge ACK). No NAT."""
    net.raw("lan")
    c, s = net.tcp_pair(C1, 43700, SRV, 7700)
    c.sendall(b"hello\n")
    net.recv_exact(s, 6)
    s.sendall(b"world\n")
    net.recv_exact(c, 6)
    time.sleep(GAP)
    # learn the sequence numbers from a fresh segment
    rs = net.raw("lan")
    rs.settimeout(0.01)
    try:
        while True:
            rs.recv(65536)
    except socket.timeout:
        pass
    s.sendall(b"x\n")
    p = net.sniff_tcp("lan", 7700, 43700)
    net.recv_exact(c, 2)
    if p is None:
        net.note("no segment sniffed")
        return
    cseq, sseq = p[TCP].ack, p[TCP].seq + 2
    time.sleep(GAP)
    net.send(IP(src=C1, dst=SRV) / TCP(sport=43700, dport=7700, flags="R", seq=cseq + 1000))
    q = net.sniff_tcp("lan", 7700, 43700)
    net.note("challenge ack: %s" % (q.summary() if q is not None else None))
    time.sleep(GAP)
    if q is not None:
        net.send(IP(src=C1, dst=SRV) / TCP(sport=43700, dport=7700, flags="R", seq=q[TCP].ack))
    time.sleep(GAP)
    try:
        c.sendall(b"after rst\n")
        time.sleep(GAP)
    except OSError as e:
        net.note("after rst: %r" % e)
    net.linger0(c)
    c.close()
    s.close()
    time.sleep(GAP)


@scenario(params={"cport": 43800, "port": 7800})
def tcp_keepalive(net, cap):
    """Real connection idle with SO_KEEPALIVE (idle 1 s, interval 1 s) on both sides: keepalive probes (seq one
    below the next, no data) and their ACKs, then data and a client close. No NAT."""
    c, s = net.tcp_pair(C1, 43800, SRV, 7800)
    c.sendall(b"hi\n")
    net.recv_exact(s, 3)
    s.sendall(b"ho\n")
    net.recv_exact(c, 3)
    for so, idle in ((c, 1), (s, 2)):
        so.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        so.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
        so.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        so.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
    time.sleep(3.6)
    c.sendall(b"bye\n")
    net.recv_exact(s, 4)
    c.close()
    time.sleep(0.05)
    s.recv(10)
    s.close()
    time.sleep(0.2)


@scenario(params={"cport": 43900, "port": 7900})
def tcp_zero_window(net, cap):
    """The server stops reading (small receive buffer): the client fills the window, the server advertises a
    zero window, the client sends zero-window probes for ~2 s; then the server reads everything (window
    update), the transfer completes and the client closes. No NAT."""
    ls = net.tcp_listen(SRV, 7900, rcvbuf=4096)
    c = net.tcp_socket(C1, 43900)
    c.settimeout(5)
    c.connect((SRV, 7900))
    s, _ = ls.accept()
    s.settimeout(5)
    total = 150000
    data = bytes(i & 0xFF for i in range(total))
    c.setblocking(False)
    sent = 0
    t0 = time.time()
    while time.time() - t0 < 2.5 and sent < total:
        try:
            sent += c.send(data[sent:])
        except BlockingIOError:
            time.sleep(0.05)
    net.note("sent before reading: %d" % sent)
    c.setblocking(True)
    c.settimeout(5)
    net.bg(lambda: c.sendall(data[sent:]))
    got = net.recv_exact(s, total)
    net.join()
    net.note("server read %d" % len(got))
    c.close()
    time.sleep(0.05)
    s.recv(10)
    s.close()
    ls.close()
    time.sleep(0.2)


@scenario(params={"cport": 44100, "port": 8100})
def tcp_retrans_real(net, cap):
    """Real connection; the server host drops everything for 1.5 s (the client's data is retransmitted with
    back-off, more than tcp_max_retrans times), then lets it through; data answered, client closes. No NAT."""
    c, s = net.tcp_pair(C1, 44100, SRV, 8100)
    c.sendall(b"first\n")
    net.recv_exact(s, 6)
    time.sleep(GAP)
    net.host_nft("wan", "table inet blackhole {\n\tchain in {\n\t\ttype filter hook input priority -300; policy accept;\n"
                 "\t\ttcp dport 8100 drop\n\t}\n}\n")
    c.sendall(b"lost for a while\n")
    time.sleep(3.2)
    net.lab.sh("wan", ["nft", "delete", "table", "inet", "blackhole"])
    net.recv_exact(s, 17)
    s.sendall(b"got it\n")
    net.recv_exact(c, 7)
    c.close()
    time.sleep(0.05)
    s.recv(10)
    s.close()
    time.sleep(0.3)


@scenario(params={"cport": 44200, "port": 8200})
def tcp_half_close(net, cap):
    """Client shuts down its sending side after a request; the server keeps sending data for a while, then
    closes; both FINs carried with data where the stack does so. No NAT."""
    c, s = net.tcp_pair(C1, 44200, SRV, 8200)
    c.sendall(b"request\n")
    c.shutdown(socket.SHUT_WR)
    net.recv_exact(s, 8)
    s.recv(10)
    for i in range(3):
        s.sendall(b"response part %d\n" % i)
        time.sleep(GAP)
    s.close()
    time.sleep(0.05)
    net.recv_exact(c, 48)
    c.recv(10)
    c.close()
    time.sleep(0.2)


@scenario(params={"cport": 44300, "port": 8300},
          prepare=lambda net: (silence(net, "lan", [44300]), silence(net, "wan", [8300])))
def tcp_simultaneous_close(net, cap):
    """Crafted: handshake, data, then both sides send FIN at the same time (crossing FINs), then the ACKs. No
    NAT."""
    cp, sp = 44300, 8300
    cs, ss = 3000000, 7000000
    opts = [("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]

    def C(fl, seq, ack=0, data=b"", o=None):
        return IP(src=C1, dst=SRV) / TCP(sport=cp, dport=sp, flags=fl, seq=seq, ack=ack, window=502 if "S" not in fl else 64240,
                                         options=o or []) / Raw(data)

    def S(fl, seq, ack=0, data=b"", o=None):
        return IP(src=SRV, dst=C1) / TCP(sport=sp, dport=cp, flags=fl, seq=seq, ack=ack, window=509 if "S" not in fl else 65160,
                                         options=o or []) / Raw(data)
    net.send(C("S", cs, o=opts)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1, o=opts)); time.sleep(GAP)
    net.send(C("A", cs + 1, ss + 1)); time.sleep(GAP)
    net.send(C("PA", cs + 1, ss + 1, b"data")); time.sleep(GAP)
    net.send(S("A", ss + 1, cs + 5)); time.sleep(GAP)
    net.send(C("FA", cs + 5, ss + 1))
    net.send(S("FA", ss + 1, cs + 5)); time.sleep(GAP)
    net.send(C("A", cs + 6, ss + 2))
    net.send(S("A", ss + 2, cs + 6)); time.sleep(GAP)


@scenario(params={"cport": 44400, "port": 8400})
def tcp_reopen_fast(net, cap):
    """Client closes first (so the client, not the server, holds TIME_WAIT) then, 0.3 s later, a new
    connection from the same 4-tuple is attempted via SO_REUSEADDR on a crafted-free path: the server closes
    first to keep the client port reusable; twice in a row. No NAT."""
    ls = net.tcp_listen(SRV, 8400)
    for i in range(3):
        c, s = net.tcp_pair(C1, 44400, SRV, 8400, listener=ls)
        c.sendall(b"round %d\n" % i)
        net.recv_exact(s, 8)
        s.close()
        time.sleep(0.05)
        c.recv(10)
        c.close()
        time.sleep(0.3)
    ls.close()


# ================================================================================================ batch 2

def _drain(sock):
    sock.settimeout(0.01)
    try:
        while True:
            sock.recv(65536)
    except (socket.timeout, BlockingIOError):
        pass


def learn(net, c, s, cport, sport):
    """Next sequence numbers and raw windows of both sides of a real connection (one byte each way)."""
    net.raw("lan"), net.raw("wan")
    _drain(net.raw("lan"))
    s.sendall(b"!")
    p = net.sniff_tcp("lan", sport, cport)
    net.recv_exact(c, 1)
    _drain(net.raw("wan"))
    c.sendall(b"?")
    q = net.sniff_tcp("wan", cport, sport)
    net.recv_exact(s, 1)
    return {"cnxt": q[TCP].seq + 1, "snxt": p[TCP].seq + 1, "cwin": q[TCP].window, "swin": p[TCP].window}


def _ipc(src, dst):
    return IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)


@scenario(params={"cport": 44500, "port": 6200})
def tcp_invalid_server(net, cap):
    """Real connection, then crafted bad segments from the SERVER side: data 1 GiB beyond the window, data far
    before the window, ACK of unsent data, SYN/ACK and SYN on the established connection, SYN+FIN, no flags,
    FIN+PSH+URG, RST far outside the window, RST inside the window but not exact; an out-of-window FIN from the
    client followed by an out-of-window RST from the server (lowered timeout); the real connection then
    continues and closes. No NAT."""
    cp, sp = 44500, 6200
    c, s = net.tcp_pair(C1, cp, SRV, sp)
    c.sendall(b"hello\n")
    net.recv_exact(s, 6)
    s.sendall(b"world\n")
    net.recv_exact(c, 6)
    k = learn(net, c, s, cp, sp)
    cn, sn, sw = k["cnxt"], k["snxt"], k["swin"]

    def S(fl, seq, ack, data=b"x" * 10):
        return IP(src=SRV, dst=C1) / TCP(sport=sp, dport=cp, flags=fl, seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF,
                                         window=sw) / Raw(data)

    def C(fl, seq, ack, data=b""):
        return IP(src=C1, dst=SRV) / TCP(sport=cp, dport=sp, flags=fl, seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF,
                                         window=k["cwin"]) / Raw(data)
    time.sleep(GAP)
    for pkt in (S("PA", sn + (1 << 30), cn), S("PA", sn - (1 << 20), cn), S("A", sn, cn + (1 << 20), b""),
                S("SA", sn - 1, cn, b""), S("S", sn + 5000, 0, b""), S("FS", sn, cn), S("", sn, cn),
                S("FPU", sn, cn), S("R", sn + (1 << 30), 0, b""), S("R", sn + 100, 0, b"")):
        net.send(pkt)
        time.sleep(GAP)
    net.send(C("FA", cn + (1 << 30), sn))
    time.sleep(GAP)
    net.send(S("RA", sn + (1 << 30), cn, b""))
    time.sleep(GAP)
    c.sendall(b"still alive\n")
    net.recv_exact(s, 12)
    s.sendall(b"yes\n")
    net.recv_exact(c, 4)
    time.sleep(GAP)
    c.close()
    time.sleep(0.05)
    s.recv(10)
    s.close()
    time.sleep(0.2)


@scenario(params={"cport": 44600, "port": 6300, "ucport": 42600, "uport": 6301})
def malformed(net, cap):
    """Crafted malformed packets on live flows (TCP C1->SRV, UDP C1->SRV, ping): TCP with a bad checksum, TCP
    with data offset < 5, a truncated TCP header, UDP with a bad checksum, UDP length larger and smaller than
    the datagram, UDP with checksum 0, ICMP echo with a bad checksum, a truncated ICMP header, ICMP error with a
    bad checksum quoting the UDP flow, an ICMP error quoting a truncated header; then the flows continue.
    No NAT."""
    cp, sp = 44600, 6300
    c, s = net.tcp_pair(C1, cp, SRV, sp)
    c.sendall(b"hello\n")
    net.recv_exact(s, 6)
    k = learn(net, c, s, cp, sp)
    us = net.udp_socket(SRV, 6301)
    uc = net.udp_socket(C1, 42600)
    uc.sendto(b"udp hello", (SRV, 6301))
    d, a = us.recvfrom(100)
    us.sendto(b"udp answer", a)
    uc.recvfrom(100)
    time.sleep(GAP)
    tcp_ok = IP(src=C1, dst=SRV) / TCP(sport=cp, dport=sp, flags="PA", seq=k["cnxt"], ack=k["snxt"],
                                      window=k["cwin"]) / Raw(b"payload")
    bad = tcp_ok.copy()
    bad[TCP].chksum = 0x1234
    net.send(bad); time.sleep(GAP)
    raw = bytearray(bytes(tcp_ok))
    raw[20 + 12] = (4 << 4)        # data offset 4 words
    net.send(IP(bytes(raw))); time.sleep(GAP)
    trunc = bytes(tcp_ok)[:20 + 12]
    hdr = bytearray(trunc)
    hdr[2:4] = struct.pack(">H", len(hdr))
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack(">H", _csum(bytes(hdr[:20])))
    net.send(IP(bytes(hdr))); time.sleep(GAP)
    u = IP(src=C1, dst=SRV) / UDP(sport=42600, dport=6301) / Raw(b"udp payload")
    ub = u.copy(); ub[UDP].chksum = 0x4321
    net.send(ub); time.sleep(GAP)
    ul = u.copy(); ul[UDP].len = 40
    net.send(ul); time.sleep(GAP)
    us2 = u.copy(); us2[UDP].len = 10
    net.send(us2); time.sleep(GAP)
    uz = u.copy(); uz[UDP].chksum = 0
    net.send(uz); time.sleep(GAP)
    ie = IP(src=C1, dst=SRV) / ICMP(type=8, id=0x5151, seq=1, chksum=0x1111) / Raw(b"bad icmp checksum")
    net.send(ie); time.sleep(GAP)
    it = IP(src=C1, dst=SRV, proto=1) / Raw(b"\x08\x00")
    net.send(it); time.sleep(GAP)
    quote = bytes(IP(src=C1, dst=SRV, ttl=63) / UDP(sport=42600, dport=6301) / Raw(b"udp payload"))[:28]
    err = IP(src=SRV, dst=C1) / ICMP(type=3, code=3, chksum=0x2222) / Raw(quote)
    net.send(err); time.sleep(GAP)
    err2 = IP(src=SRV, dst=C1) / ICMP(type=3, code=3) / Raw(quote[:24])
    net.send(err2); time.sleep(GAP)
    c.sendall(b"continue\n")
    net.recv_exact(s, 9)
    uc.sendto(b"udp again", (SRV, 6301))
    d, a = us.recvfrom(100)
    us.sendto(b"udp answer again", a)
    uc.recvfrom(100)
    c.close()
    time.sleep(0.05)
    s.recv(10)
    s.close()
    time.sleep(0.2)


def _handshake_crafted(net, cp, sp, cs, ss, src=C1, dst=SRV):
    opts = [("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]

    def C(fl, seq, ack=0, data=b"", o=None, win=None):
        return _ipc(src, dst) / TCP(sport=cp, dport=sp, flags=fl, seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF,
                                    window=win or (64240 if "S" in fl else 502), options=o or []) / Raw(data)

    def S(fl, seq, ack=0, data=b"", o=None, win=None):
        return _ipc(dst, src) / TCP(sport=sp, dport=cp, flags=fl, seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF,
                                    window=win or (65160 if "S" in fl else 509), options=o or []) / Raw(data)
    return C, S, opts


@scenario(params={"cport": 44700, "port": 6400},
          prepare=lambda net: (silence(net, "lan", [44700, 44701, 44702]), silence(net, "wan", [6400])))
def tcp_handshake_oddities(net, cap):
    """Crafted: (1) SYN, SYN/ACK, SYN/ACK retransmitted before the ACK, ACK, SYN/ACK again after ESTABLISHED,
    duplicate ACK, data, RST; (2) SYN, SYN/ACK with a wrong acknowledgement number, then the RST the client
    would send, then a correct SYN/ACK; (3) SYN, RST/ACK from the server with wrong ack, then the right one.
    No NAT."""
    sp = 6400
    C, S, o = _handshake_crafted(net, 44700, sp, 1111000, 2222000)
    cs, ss = 1111000, 2222000
    net.send(C("S", cs, o=o)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1, o=o)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1, o=o)); time.sleep(GAP)
    net.send(C("A", cs + 1, ss + 1)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1, o=o)); time.sleep(GAP)
    net.send(C("A", cs + 1, ss + 1)); time.sleep(GAP)
    net.send(C("PA", cs + 1, ss + 1, b"data")); time.sleep(GAP)
    net.send(S("A", ss + 1, cs + 5)); time.sleep(GAP)
    net.send(C("RA", cs + 5, ss + 1)); time.sleep(GAP)
    C, S, o = _handshake_crafted(net, 44701, sp, 0, 0)
    cs, ss = 3333000, 4444000
    net.send(C("S", cs, o=o)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1000, o=o)); time.sleep(GAP)
    net.send(C("R", cs + 1000)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1, o=o)); time.sleep(GAP)
    net.send(C("A", cs + 1, ss + 1)); time.sleep(GAP)
    net.send(C("FA", cs + 1, ss + 1)); time.sleep(GAP)
    net.send(S("FA", ss + 1, cs + 2)); time.sleep(GAP)
    net.send(C("A", cs + 2, ss + 2)); time.sleep(GAP)
    C, S, o = _handshake_crafted(net, 44702, sp, 0, 0)
    cs, ss = 5555000, 0
    net.send(C("S", cs, o=o)); time.sleep(GAP)
    net.send(S("RA", 0, cs + 7)); time.sleep(GAP)
    net.send(S("RA", 0, cs + 1)); time.sleep(GAP)


@scenario(params={"cport": 44800, "port": 6500},
          prepare=lambda net: (silence(net, "lan", [44800, 44801]), silence(net, "wan", [6500])))
def tcp_reopen_after_rst(net, cap):
    """Crafted: handshake, data, RST from the client, then a new SYN on the same 4-tuple (CLOSE entry replaced),
    handshake, FIN close, and a SYN again while in TIME_WAIT with a lower ISN; second tuple: RST from the server
    then a new SYN from the client. No NAT."""
    sp = 6500
    C, S, o = _handshake_crafted(net, 44800, sp, 0, 0)
    cs, ss = 7000000, 8000000
    net.send(C("S", cs, o=o)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1, o=o)); time.sleep(GAP)
    net.send(C("A", cs + 1, ss + 1)); time.sleep(GAP)
    net.send(C("PA", cs + 1, ss + 1, b"abc")); time.sleep(GAP)
    net.send(S("A", ss + 1, cs + 4)); time.sleep(GAP)
    net.send(C("R", cs + 4)); time.sleep(GAP)
    cs2, ss2 = 9000000, 1000000
    net.send(C("S", cs2, o=o)); time.sleep(GAP)
    net.send(S("SA", ss2, cs2 + 1, o=o)); time.sleep(GAP)
    net.send(C("A", cs2 + 1, ss2 + 1)); time.sleep(GAP)
    net.send(C("FA", cs2 + 1, ss2 + 1)); time.sleep(GAP)
    net.send(S("FA", ss2 + 1, cs2 + 2)); time.sleep(GAP)
    net.send(C("A", cs2 + 2, ss2 + 2)); time.sleep(GAP)
    net.send(C("S", cs2 - 5000, o=o)); time.sleep(GAP)
    net.send(S("SA", ss2 + 70000, cs2 - 4999, o=o)); time.sleep(GAP)
    net.send(C("A", cs2 - 4999, ss2 + 70001)); time.sleep(GAP)
    C, S, o = _handshake_crafted(net, 44801, sp, 0, 0)
    cs, ss = 1200000, 1300000
    net.send(C("S", cs, o=o)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1, o=o)); time.sleep(GAP)
    net.send(C("A", cs + 1, ss + 1)); time.sleep(GAP)
    net.send(S("R", ss + 1)); time.sleep(GAP)
    net.send(C("S", cs + 100000, o=o)); time.sleep(GAP)
    net.send(S("SA", ss + 200000, cs + 100001, o=o)); time.sleep(GAP)
    net.send(C("A", cs + 100001, ss + 200001)); time.sleep(GAP)


def _host_tcp_opts(**kv):
    def prep(net):
        for side in ("lan", "wan"):
            net.lab.sh(side, ["sysctl", "-qw"] + ["net.ipv4.%s=%s" % (k, v) for k, v in kv.items()])
    return prep


@scenario(params={"cport": 44900, "port": 6600, "tcp_ecn": 1, "tcp_window_scaling": 0, "tcp_sack": 0,
                  "tcp_timestamps": 0},
          prepare=_host_tcp_opts(tcp_ecn=1, tcp_window_scaling=0, tcp_sack=0, tcp_timestamps=0))
def tcp_noscale_ecn(net, cap):
    """Hosts with ECN on, window scaling, SACK and timestamps off: ECN-setup SYN (ECE+CWR) and SYN/ACK (ECE),
    60 KB each way in unscaled windows, client close. No NAT."""
    _bulk(net, 44900, 6600, 60000, "client")


@scenario(params={"cport": 45000, "port": 6700, "tcp_fastopen": 3},
          prepare=_host_tcp_opts(tcp_fastopen=3))
def tcp_fastopen(net, cap):
    """TCP Fast Open: a first connection obtains a cookie, the second sends its request in the SYN (data on
    SYN, SYN/ACK acknowledging it), answer, server closes first. No NAT."""
    ls = net.tcp_listen(SRV, 6700)
    ls.setsockopt(socket.IPPROTO_TCP, 23, 16)    # TCP_FASTOPEN queue
    for i, cp in enumerate((45000, 45001)):
        c = net.tcp_socket(C1, cp)
        c.sendto(b"GET /%d fast open request\n" % i, 0x20000000, (SRV, 6700))   # MSG_FASTOPEN
        c.settimeout(3)
        s, _ = ls.accept()
        s.settimeout(3)
        net.recv_exact(s, 25)
        s.sendall(b"response %d\n" % i)
        net.recv_exact(c, 11)
        s.close()
        time.sleep(0.05)
        c.recv(10)
        c.close()
        time.sleep(GAP)
    ls.close()


@scenario(params={"uport": 5400},
          prepare=lambda net: net.host_nft("wan", "table inet hostrej {\n\tchain in {\n\t\ttype filter hook input priority 0; policy accept;\n"
                                                  "\t\ticmp type echo-request ip saddr 198.51.100.11 reject with icmp type admin-prohibited\n\t}\n}\n"))
def icmp_errors_misc(net, cap):
    """ICMP: an error from the LAN host quoting a reply-direction packet (UDP reply to a closed client port ->
    related/original); an error quoting an ICMP echo request (admin-prohibited); ICMP timestamp request and
    reply; ping from the WAN to the router's WAN address; ping6 to the router's LAN address; an ICMP echo with
    a payload of 1400 bytes. No NAT."""
    us = net.udp_socket(SRV, 5400)
    uc = net.udp_socket(C1, 42900)
    uc.sendto(b"hello", (SRV, 5400))
    d, a = us.recvfrom(100)
    us.sendto(b"reply 1", a)
    uc.recvfrom(100)
    uc.close()
    time.sleep(GAP)
    us.sendto(b"reply 2 to a closed port", a)
    time.sleep(GAP)
    net.lab.sh("lan", "ping -c 1 -W 0.5 -I 198.51.100.11 %s" % SRV, check=False)
    time.sleep(GAP)
    net.send(IP(src=C1, dst=SRV) / ICMP(type=13, id=0x7777, seq=1) / Raw(b"\0" * 12))
    time.sleep(GAP)
    net.lab.sh("wan", "ping -c 1 -W 0.5 %s" % RTR_WAN, check=False)
    time.sleep(GAP)
    net.lab.sh("lan", "ping -6 -c 1 -W 0.5 2001:db8:1::1", check=False)
    time.sleep(GAP)
    net.lab.sh("lan", "ping -c 1 -s 1400 -W 0.5 %s" % SRV, check=False)
    time.sleep(GAP)


@scenario(masq=True, nat_text=MASQ_TEXT, params={"clash_port": 40200},
          prepare=lambda net: net.host_nft("wan", REJECT4))
def icmp_masq_clash(net, cap):
    """Masquerade with a port clash and ICMP errors: C1 and C2 both send UDP from port 40200 to a closed port of
    the server (the second is given another port; both port-unreachable errors must be translated back), then
    both connect TCP from port 40201 to a port rejected with ICMP admin-prohibited, then an established TCP
    flow through masquerade whose data is rejected mid-flow with ICMP host-unreachable."""
    for a in (C1, C2):
        u = net.udp_socket(a, 40200)
        u.sendto(b"closed", (SRV, 5999))
        try:
            u.recvfrom(100)
        except OSError as e:
            net.note("udp from %s: %r" % (a, e))
        time.sleep(GAP)
    for a in (C1, C2):
        _connect_nb(net, a, 40201, SRV, 5203, wait=0.2)
        time.sleep(GAP)
    _reject_midflow(net, C1, 40202, SRV, 5210, "reject with icmp type host-unreachable")


@scenario(masq=True, nat_text=MASQ_TEXT, mtu={"rtr:wan": 1280}, params={"cport": 45100, "port": 6800},
          prepare=lambda net: net.lab.sh("wan", "ip route replace 203.0.113.1 dev eth0 mtu 1280 advmss 1460"))
def pmtu_tcp_masq(net, cap):
    """Router WAN MTU 1280 (the WAN host keeps 1500 and advertises MSS 1460): the LAN client's full-size DF
    segments through masquerade get ICMP fragmentation-needed from the router (mtu 1280), the client
    retransmits smaller; 20 KB up, 20 KB down, client close."""
    _bulk(net, 45100, 6800, 20000, "client")


@scenario(mtu={"rtr:lan": 1280}, params={"cport": 45200, "port": 6900},
          prepare=lambda net: net.lab.sh("lan", "ip -6 route replace default via 2001:db8:1::1 dev eth0 mtu 1280 advmss 1440"))
def pmtu_tcp6(net, cap):
    """IPv6, router LAN MTU 1280 (LAN host keeps 1500): the server's full-size segments get ICMPv6
    packet-too-big from the router; 20 KB each way. No NAT."""
    _bulk(net, 45200, 6900, 20000, "client", src=C1_6, dst=SRV_6)


@scenario(params={})
def generic_proto(net, cap):
    """Other IP protocols: crafted IP protocol 253 both ways (generic tracker), a GRE (version 0) packet pair,
    IPv6 next header 253. No NAT."""
    net.send(IP(src=C1, dst=SRV, proto=253) / Raw(b"experimental protocol 253"))
    time.sleep(GAP)
    net.send(IP(src=SRV, dst=C1, proto=253) / Raw(b"answer 253"))
    time.sleep(GAP)
    gre = b"\x00\x00\x08\x00" + bytes(IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2))
    net.send(IP(src=C1, dst=SRV, proto=47) / Raw(gre))
    time.sleep(GAP)
    net.send(IP(src=SRV, dst=C1, proto=47) / Raw(gre))
    time.sleep(GAP)
    net.send(IPv6(src=C1_6, dst=SRV_6, nh=253) / Raw(b"v6 experimental"))
    time.sleep(GAP)


# ================================================================================================ FTP

import ftplib  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

VSFTPD_CONF = """listen={listen}
listen_ipv6={listen6}
listen_address{v6}={addr}
listen_port=21
anonymous_enable=YES
no_anon_password=YES
local_enable=NO
write_enable=NO
anon_root={root}
connect_from_port_20=YES
ftp_data_port=20
port_enable=YES
pasv_enable=YES
pasv_min_port={pmin}
pasv_max_port={pmax}
seccomp_sandbox=NO
isolate_network=NO
isolate=NO
background=NO
secure_chroot_dir=/var/run/vsftpd/empty
xferlog_enable=NO
dirmessage_enable=NO
use_localtime=NO
"""


def vsftpd(net, addr=SRV, pasv=(31000, 31009), size=5000):
    d = tempfile.mkdtemp(prefix="recftp")
    net.lab.tmpdirs.append(d)
    root = os.path.join(d, "root")
    os.makedirs(root)
    os.chmod(d, 0o755)
    os.chmod(root, 0o555)
    with open(os.path.join(root, "file.bin"), "wb") as f:
        f.write(bytes((i * 31) & 0xFF for i in range(size)))
    with open(os.path.join(root, "readme.txt"), "w") as f:
        f.write("hello ftp\n")
    v6 = ":" in addr
    conf = os.path.join(d, "vsftpd.conf")
    with open(conf, "w") as f:
        f.write(VSFTPD_CONF.format(listen="NO" if v6 else "YES", listen6="YES" if v6 else "NO",
                                   v6="6" if v6 else "", addr=addr, root=root, pmin=pasv[0], pmax=pasv[1]))
    net.lab.popen("wan", ["vsftpd", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)


def _ftp_session(net, src, dst, modes, pause=0.3):
    """modes: list of 'PORT', 'EPRT', 'PASV', 'EPSV', 'RETR-PASV', 'RETR-PORT'."""
    with net.lab.inns(side_of_addr(src)):
        f = ftplib.FTP()
        f.af = socket.AF_INET6 if ":" in dst else socket.AF_INET
        f.sock = None
    f.source_address = (src, 0)
    # connect must create its socket inside the namespace
    with net.lab.inns(side_of_addr(src)):
        f.connect(dst, 21, timeout=5)
        f.login()
        for m in modes:
            if m in ("PORT", "EPRT", "RETR-PORT"):
                f.set_pasv(False)
                lines = []
                if m == "RETR-PORT":
                    data = bytearray()
                    f.retrbinary("RETR file.bin", data.extend)
                    net.note("RETR via PORT: %d bytes" % len(data))
                else:
                    sock = _ftp_listen(f, eprt=(m == "EPRT"))
                    time.sleep(pause)
                    resp = f.sendcmd("LIST")
                    conn, _ = sock.accept()
                    body = b""
                    while True:
                        b = conn.recv(4096)
                        if not b:
                            break
                        body += b
                    conn.close()
                    sock.close()
                    net.note("%s LIST %d bytes; %s" % (m, len(body), f.voidresp()))
            else:
                f.set_pasv(True)
                if m == "RETR-PASV":
                    data = bytearray()
                    f.retrbinary("RETR file.bin", data.extend)
                    net.note("RETR via PASV: %d bytes" % len(data))
                else:
                    cmd = "EPSV" if m == "EPSV" else "PASV"
                    resp = f.sendcmd(cmd)
                    if cmd == "PASV":
                        host, port = ftplib.parse227(resp)
                    else:
                        host, port = ftplib.parse229(resp, f.sock.getpeername())
                    time.sleep(pause)
                    c = socket.create_connection((host, port), timeout=5, source_address=(src, 0))
                    f.sendcmd("LIST")
                    body = b""
                    while True:
                        b = c.recv(4096)
                        if not b:
                            break
                        body += b
                    c.close()
                    net.note("%s -> %s LIST %d bytes; %s" % (cmd, resp, len(body), f.voidresp()))
            time.sleep(GAP)
        f.quit()


def _ftp_listen(f, eprt):
    fam = socket.AF_INET6 if ":" in f.sock.getsockname()[0] else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_STREAM)
    sock.bind((f.sock.getsockname()[0], 0))
    sock.listen(1)
    host, port = sock.getsockname()[:2]
    if eprt or fam == socket.AF_INET6:
        f.sendcmd("EPRT |%d|%s|%d|" % (2 if fam == socket.AF_INET6 else 1, host, port))
    else:
        f.sendcmd("PORT " + ",".join(host.split(".") + [str(port >> 8), str(port & 0xFF)]))
    return sock


def side_of_addr(a):
    return "lan" if a.startswith("198.51.100.") or a.startswith("2001:db8:1:") else "wan"


def _lftp(net, src, cmds):
    script = "set net:timeout 5; set net:max-retries 1; set ftp:passive-mode %s; set ftp:port-range 40300-40309; " \
             "open ftp://anonymous:x@%s; %s; bye" % (cmds[0], SRV, cmds[1])
    out = net.lab.sh("lan", ["lftp", "-c", script], capture=True, check=False, timeout=20)
    net.note("lftp %s: %s" % (cmds, (out or "").strip()[:200]))


FTP_SPEC = dict(masq=True, helper=True, nat_text=MASQ_TEXT)


@scenario(prepare=lambda net: vsftpd(net), params={"ftp_pasv": [31000, 31009], "ftp_lport": [40300, 40309],
                                                    "ftp_size": 5000}, **FTP_SPEC)
def ftp_active_snat2(net, cap):
    """FTP active mode through masquerade with the ftp helper: lftp (passive off, ports 40300-40309) ls and get
    of a 5000-byte file; then python ftplib from 198.51.100.11: PORT+LIST, EPRT+LIST, RETR via PORT."""
    _lftp(net, C1, ("off", "ls; get file.bin -o /dev/null"))
    time.sleep(GAP)
    _ftp_session(net, C2, SRV, ["PORT", "EPRT", "RETR-PORT"])


@scenario(prepare=lambda net: vsftpd(net, pasv=(32000, 32004)), params={"ftp_pasv": [32000, 32004], "ftp_size": 5000},
          **FTP_SPEC)
def ftp_passive_snat2(net, cap):
    """FTP passive mode through masquerade with the ftp helper: lftp PASV ls + get, then ftplib from
    198.51.100.11: PASV+LIST, EPSV+LIST, RETR via PASV."""
    _lftp(net, C1, ("on", "ls; get file.bin -o /dev/null"))
    time.sleep(GAP)
    _ftp_session(net, C2, SRV, ["PASV", "EPSV", "RETR-PASV"])


@scenario(prepare=lambda net: vsftpd(net, pasv=(33000, 33009)), params={"ftp_pasv": [33000, 33009]}, helper=True)
def ftp_nonat(net, cap):
    """FTP with the ftp helper but no NAT: ftplib PORT+LIST, PASV+LIST, EPRT+LIST, EPSV+LIST, RETR both ways."""
    _ftp_session(net, C1, SRV, ["PORT", "PASV", "EPRT", "EPSV", "RETR-PORT", "RETR-PASV"])


@scenario(prepare=lambda net: vsftpd(net, addr=SRV_6, pasv=(34000, 34009)), params={"ftp_pasv": [34000, 34009]},
          helper=True)
def ftp6(net, cap):
    """FTP over IPv6 with the ftp helper (no NAT): ftplib EPRT+LIST, EPSV+LIST, RETR via EPSV and via EPRT."""
    _ftp_session(net, C1_6, SRV_6, ["EPRT", "EPSV", "RETR-PASV", "RETR-PORT"])


@scenario(masq=True, helper=True, nat_text=MASQ_TEXT, params={"cport": 45300})
def ftp_refused_helper(net, cap):
    """The ftp helper is assigned to SYNs to port 21 but no FTP server runs: two SYNs refused by RST/ACK
    (entries destroyed at once), through masquerade."""
    for cp in (45300, 45301):
        _connect_nb(net, C1, cp, SRV, 21, wait=0.2)
        time.sleep(GAP)


@scenario(params={"cport": 45400, "port": 7950},
          prepare=lambda net: (silence(net, "lan", [45400]), silence(net, "wan", [7950])))
def tcp_close_expiry(net, cap):
    """Crafted: handshake and data, RST from the client (CLOSE, 10 s); 10.5 s later a data segment on the same
    4-tuple (the old entry has expired: picked up mid-stream as new) and the server's ACK. No NAT."""
    C, S, o = _handshake_crafted(net, 45400, 7950, 0, 0)
    cs, ss = 1500000, 2500000
    net.send(C("S", cs, o=o)); time.sleep(GAP)
    net.send(S("SA", ss, cs + 1, o=o)); time.sleep(GAP)
    net.send(C("A", cs + 1, ss + 1)); time.sleep(GAP)
    net.send(C("PA", cs + 1, ss + 1, b"abc")); time.sleep(GAP)
    net.send(C("R", cs + 4)); time.sleep(10.5)
    net.send(C("PA", cs + 4, ss + 1, b"late")); time.sleep(GAP)
    net.send(S("A", ss + 1, cs + 8)); time.sleep(GAP)


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
    for f in (fr[1], fr[2], fr[1], fr[0]):
        net.send(f)
        time.sleep(0.02)
    time.sleep(GAP)
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
    c.sendto(bytes(2500), (SRV_6, 7002))
    d, a = srv.recvfrom(5000)
    srv.sendto(b"r" * 1000, a)
    c.recvfrom(5000)
    time.sleep(GAP)
    srv.sendto(b"R" * 2500, a)
    c.settimeout(0.5)
    try:
        c.recvfrom(5000)
        net.note("first big reply delivered")
    except OSError as e:
        net.note("first big reply: %r" % e)
    srv.sendto(b"S" * 2500, a)
    try:
        c.recvfrom(5000)
        net.note("second big reply delivered")
    except OSError as e:
        net.note("second big reply: %r" % e)
    time.sleep(GAP)
    pkt = IPv6(src=C1_6, dst=SRV_6) / IPv6ExtHdrFragment(id=0x666) / UDP(sport=35201, dport=7002) / Raw(b"q" * 1800)
    fr = fragment6(pkt, 700)
    for f in reversed(fr):
        net.send(f)
        time.sleep(0.02)
    time.sleep(GAP)


@scenario(params={"cport": 41120, "port": 5022})
def tcp_abort_server_late(net, cap):
    """Server aborts (SO_LINGER 0 RST from the WAN side) an established connection; then crafted late data from
    the client on the closed entry (the server host answers with RST), and a crafted late ACK. No NAT."""
    c, s = net.tcp_pair(C1, 41120, SRV, 5022)
    c.sendall(b"hello from client\n")
    net.recv_exact(s, 18)
    s.sendall(b"hello from server, 42\n")
    net.recv_exact(c, 22)
    k = learn(net, c, s, 41120, 5022)
    time.sleep(GAP)
    net.linger0(s)
    s.close()
    time.sleep(GAP)
    net.send(IP(src=C1, dst=SRV) / TCP(sport=41120, dport=5022, flags="PA", seq=k["cnxt"], ack=k["snxt"],
                                      window=k["cwin"]) / Raw(b"late data\n"))
    time.sleep(GAP)
    net.send(IP(src=C1, dst=SRV) / TCP(sport=41120, dport=5022, flags="A", seq=k["cnxt"] + 10, ack=k["snxt"],
                                      window=k["cwin"]))
    time.sleep(GAP)
    c.close()


DNAT2 = ['iifname "wan" ip daddr 203.0.113.1 udp dport 5454 dnat ip to 198.51.100.20:5999',
         'iifname "wan" ip daddr 203.0.113.1 tcp dport 2323 dnat ip to 198.51.100.20:23']


@scenario(dnat=DNAT2, masq=True, nat_text={"dnat": DNAT2, "masquerade": MASQ_TEXT["masquerade"]})
def icmp_dnat(net, cap):
    """DNAT plus masquerade: a WAN client's UDP to router:5454 DNATed to a closed LAN port (the LAN server's
    ICMP port unreachable is translated back to the router's address and port); a TCP SYN to router:2323
    DNATed to a closed LAN port (RST back through DNAT); a datagram to a router port nothing forwards (the
    router answers port unreachable itself); a SYN to a closed router port (the router's RST)."""
    u = net.udp_socket(WCLI, 40950)
    u.sendto(b"to a closed lan port", (RTR_WAN, 5454))
    time.sleep(GAP)
    _connect_nb(net, WCLI, 40951, RTR_WAN, 2323, wait=0.2)
    time.sleep(GAP)
    u.sendto(b"to the router itself", (RTR_WAN, 5455))
    time.sleep(GAP)
    _connect_nb(net, WCLI, 40952, RTR_WAN, 2324, wait=0.2)
    time.sleep(GAP)
    u2 = net.udp_socket(C1, 40953)
    u2.sendto(b"lan to router", (RTR_LAN, 5456))
    time.sleep(GAP)


@scenario(masq=True, nat_text=MASQ_TEXT, params={"mid_cport": 43150, "mid_port": 7150},
          prepare=lambda net: (silence(net, "lan", [43150]), silence(net, "wan", [7150])))
def tcp_midstream_masq(net, cap):
    """Mid-stream pickup through masquerade: crafted data segment from the client first (SNATed), the server's
    ACK and data to the router's address, FIN close by the server. Crafted on both sides."""
    cp, sp = 43150, 7150
    cs, ss = 0x31000000, 0x51000000

    def C(fl, data=b""):
        return IP(src=C1, dst=SRV) / TCP(sport=cp, dport=sp, flags=fl, seq=cs, ack=ss, window=502) / Raw(data)

    def S(fl, data=b""):
        return IP(src=SRV, dst=RTR_WAN) / TCP(sport=sp, dport=cp, flags=fl, seq=ss, ack=cs, window=509) / Raw(data)
    net.send(C("PA", b"x" * 40)); cs += 40; time.sleep(GAP)
    net.send(S("A")); time.sleep(GAP)
    net.send(S("PA", b"y" * 20)); ss += 20; time.sleep(GAP)
    net.send(C("A")); time.sleep(GAP)
    net.send(S("FA")); ss += 1; time.sleep(GAP)
    net.send(C("FA")); cs += 1; time.sleep(GAP)
    net.send(S("A")); time.sleep(GAP)


@scenario(params={"cport": 45500, "port": 7500},
          prepare=lambda net: net.host_nft("wan", "table inet lossy {\n\tchain in {\n\t\ttype filter hook input priority -300; policy accept;\n"
                                                  "\t\ttcp dport 7500 tcp flags & (syn | fin | rst) == 0 numgen inc mod 9 == 4 drop\n\t}\n}\n"))
def tcp_loss_sack(net, cap):
    """150 KB from the client through the router; the server host drops every 9th data segment after the
    router forwarded it, so the server's ACKs carry SACK blocks and the client retransmits (conntrack sees the
    originals and the retransmissions); 20 KB back; client close. No NAT."""
    _bulk(net, 45500, 7500, 150000, "client")


@scenario(masq=True, nat_text=MASQ_TEXT, params={"cport": 45600, "port": 7600})
def tcp_reopen_masq(net, cap):
    """Through masquerade: three connections in a row from the same client port to the same server port, the
    server closing first each time (the router's entry is in TIME_WAIT when the next SYN comes)."""
    ls = net.tcp_listen(SRV, 7600)
    for i in range(3):
        c, s = net.tcp_pair(C1, 45600, SRV, 7600, listener=ls)
        c.sendall(b"round %d\n" % i)
        net.recv_exact(s, 8)
        s.sendall(b"ok\n")
        net.recv_exact(c, 3)
        s.close()
        time.sleep(0.05)
        c.recv(10)
        c.close()
        time.sleep(0.3)
    ls.close()


@scenario(params={"ucport": 42950, "port": 5450},
          prepare=lambda net: silence(net, "lan", []))
def icmp_error_types(net, cap):
    """Crafted ICMP errors from the server side quoting a live UDP flow: time exceeded, parameter problem,
    source quench, redirect, fragmentation needed, host unreachable; then an error quoting the flow with the
    inner addresses swapped (as if about a reply-direction packet), an error quoting an unknown flow, and an
    ICMPv6 set (time exceeded, parameter problem, packet too big, destination unreachable) quoting a live UDP/IPv6
    flow. No NAT."""
    us = net.udp_socket(SRV, 5450)
    uc = net.udp_socket(C1, 42950)
    uc.sendto(b"hello", (SRV, 5450))
    d, a = us.recvfrom(100)
    us.sendto(b"answer", a)
    uc.recvfrom(100)
    quote = bytes(IP(src=C1, dst=SRV, ttl=63, id=1234) / UDP(sport=42950, dport=5450) / Raw(b"hello"))
    for t, c in ((11, 0), (12, 0), (4, 0), (5, 1), (3, 4), (3, 1)):
        net.send(IP(src=SRV, dst=C1) / ICMP(type=t, code=c, nexthopmtu=1200 if (t, c) == (3, 4) else 0,
                                            gw="203.0.113.30" if t == 5 else None) / Raw(quote))
        time.sleep(0.05)
    swapped = bytes(IP(src=SRV, dst=C1, ttl=63) / UDP(sport=5450, dport=42950) / Raw(b"answer"))
    net.send(IP(src=SRV, dst=C1) / ICMP(type=3, code=3) / Raw(swapped))
    time.sleep(0.05)
    net.send(IP(src=C1, dst=SRV) / ICMP(type=3, code=3) / Raw(swapped))
    time.sleep(0.05)
    unknown = bytes(IP(src=C1, dst=SRV, ttl=63) / UDP(sport=42951, dport=5450) / Raw(b"x"))
    net.send(IP(src=SRV, dst=C1) / ICMP(type=11, code=0) / Raw(unknown))
    time.sleep(0.05)
    from scapy.layers.inet6 import ICMPv6TimeExceeded, ICMPv6ParamProblem, ICMPv6PacketTooBig, ICMPv6DestUnreach
    us6 = net.udp_socket(SRV_6, 5451)
    uc6 = net.udp_socket(C1_6, 42952)
    uc6.sendto(b"hello6", (SRV_6, 5451))
    d, a = us6.recvfrom(100)
    us6.sendto(b"answer6", a)
    uc6.recvfrom(100)
    q6 = bytes(IPv6(src=C1_6, dst=SRV_6, hlim=63) / UDP(sport=42952, dport=5451) / Raw(b"hello6"))
    for layer in (ICMPv6TimeExceeded(), ICMPv6ParamProblem(ptr=6), ICMPv6PacketTooBig(mtu=1280), ICMPv6DestUnreach(code=1)):
        net.send(IPv6(src=SRV_6, dst=C1_6) / layer / Raw(q6))
        time.sleep(0.05)
    time.sleep(GAP)


@scenario(params={"cport": 45700, "port": 7700})
def tcp_urgent(net, cap):
    """Urgent data (MSG_OOB: URG flag and pointer) both ways on a real connection, then a client close. No
    NAT."""
    c, s = net.tcp_pair(C1, 45700, SRV, 7700)
    c.sendall(b"normal\n")
    net.recv_exact(s, 7)
    c.send(b"!", socket.MSG_OOB)
    time.sleep(GAP)
    s.send(b"?", socket.MSG_OOB)
    time.sleep(GAP)
    c.sendall(b"more\n")
    time.sleep(GAP)
    c.close()
    time.sleep(0.05)
    try:
        s.recv(100)
        s.recv(100)
    except OSError:
        pass
    s.close()
    time.sleep(0.2)


@scenario(params={"ucport": 42990, "port": 5460})
def udp_stream_boundary(net, cap):
    """UDP: request and reply, then one-way datagrams every 2 ms from 1.990 s to 2.012 s after the first one
    (ASSURED and the stream timeout start with the first packet more than 2 s = 500 jiffies after creation);
    then the same on a second flow created 1 ms later in the tick. No NAT."""
    for i, (cp, lag) in enumerate(((42990, 0.0), (42991, 0.001))):
        srv = net.udp_socket(SRV, 5460 + i)
        c = net.udp_socket(C1, cp)
        time.sleep(lag)
        t0 = time.perf_counter()
        c.sendto(b"first", (SRV, 5460 + i))
        d, a = srv.recvfrom(100)
        srv.sendto(b"reply", a)
        c.recvfrom(100)
        for k in range(12):
            target = t0 + 1.990 + 0.002 * k
            while time.perf_counter() < target:
                pass
            c.sendto(b"k%02d" % k, (SRV, 5460 + i))
        time.sleep(0.1)
