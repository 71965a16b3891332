"""Steps the scenarios of several subjects share: host tables, real connections and flows, crafted TCP
conversations, NAT texts."""
import socket
import struct
import time

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import (ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6PacketTooBig,
                                ICMPv6ParamProblem, ICMPv6TimeExceeded, IPv6)
from scapy.packet import Raw

from ..traffic import C1, RTR_WAN_6, SRV


GAP = 0.15


MASQ_TEXT = {"masquerade": {"from": "198.51.100.0/24", "out": "wan", "to": "203.0.113.1",
                            "ports": "kept if unique, else a free port chosen by the kernel"}}


def dnat_and_masq(rules, **spec):
    """The spec of a scenario with these DNAT rules plus the default masquerade."""
    return dict(dnat=rules, masq=True, nat_text={"dnat": rules, "masquerade": MASQ_TEXT["masquerade"]}, **spec)


def input_table(name, priority, *rules):
    """nft text of a host's table ``name`` whose input chain (at ``priority``) holds ``rules``."""
    return ("table inet %s {\n\tchain in {\n\t\ttype filter hook input priority %d; policy accept;\n" % (name, priority)
            + "".join("\t\t%s\n" % r for r in rules) + "\t}\n}\n")


def silence(net, side, ports):
    """The host's own stack never sees TCP segments to these ports (crafted conversations)."""
    net.host_nft(side, input_table("silence", -300, *("tcp dport %d drop" % p for p in ports)))


def silenced(lan, wan=None):
    """prepare: silence() on the LAN host's ports ``lan`` and, if given, on the WAN host's ports ``wan``."""
    def prep(net):
        silence(net, "lan", lan)
        if wan is not None:
            silence(net, "wan", wan)
    return prep


def ping(net, side, args):
    """iputils ping from a host (its failures are part of the scenario), then a pause."""
    net.lab.sh(side, "ping " + args, check=False)
    time.sleep(GAP)


def deliver(net, sender, receiver, data):
    """``data`` over a real connection: sent by one end, read whole by the other."""
    sender.sendall(data)
    net.recv_exact(receiver, len(data))


def exchange(net, c, s, request, response):
    """The client end's request and the server end's response."""
    deliver(net, c, s, request)
    deliver(net, s, c, response)


def close_pair(first, second, pause=0.05):
    """``first`` closes (its FIN); ``second`` reads the end of the stream and closes too."""
    first.close()
    time.sleep(pause)
    second.recv(10)
    second.close()


HELLO = (b"hello from client\n", b"hello from server, 42\n")


def hello_pair(net, src, cport, dst, port):
    """A real connection, a pause, the HELLO request and response, a pause: (client, server end)."""
    c, s = net.tcp_pair(src, cport, dst, port)
    time.sleep(GAP)
    exchange(net, c, s, *HELLO)
    time.sleep(GAP)
    return c, s


def send_late(net, sock, data, more=None, bufsize=100):
    """Data on a connection the peer has aborted (its host answers with a RST), a read that meets the RST,
    then ``more`` data if given."""
    try:
        sock.sendall(data)
        time.sleep(GAP)
        sock.recv(bufsize)
        if more:
            sock.sendall(more)
    except OSError as e:
        net.note("late send: %r" % e)


def udp_ask(client, server, request, answer, to):
    """A datagram from the client to ``to`` (the server, or an address the router NATs to it), the server's
    answer to where it came from, read by the client; returns that address."""
    client.sendto(request, to)
    _, peer = server.recvfrom(65536)
    server.sendto(answer, peer)
    client.recvfrom(65536)
    return peer


def udp_flow(net, src, sport, dst, dport, request, answer):
    """A server socket, a client socket and one request/answer between them: (client, server)."""
    server = net.udp_socket(dst, dport)
    client = net.udp_socket(src, sport)
    udp_ask(client, server, request, answer, (dst, dport))
    return client, server


def answer_after_close(client, server, request, answers, to):
    """A request and the first of two ``answers``; then the client's socket is closed and the server sends the
    second to the port that is closed now (its host answers with a port unreachable)."""
    peer = udp_ask(client, server, request, answers[0], to)
    client.close()
    time.sleep(GAP)
    server.sendto(answers[1], peer)
    time.sleep(GAP)


def udp_to_closed(net, sock, data, dst, what):
    """A datagram to a port nothing listens on; the port unreachable shows as the next read's error."""
    sock.sendto(data, dst)
    try:
        sock.recvfrom(100)
    except OSError as e:
        net.note("%s: %r" % (what, e))


OPTS = [("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]


def ipc(src, dst, **fields):
    return IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst, **fields)


def crafted_tcp(cport, port, src=C1, dst=SRV, reply_to=None, cwin=(64240, 502), swin=(65160, 509), client_ip=None):
    """Segment builders of a crafted conversation between (src, cport) and (dst, port): C(flags, seq, ack,
    data, options) from the client, S(...) from the server to ``reply_to`` (default: the client). Windows per
    side as (on SYNs, on the others); ``client_ip``: IPv4 header fields of the client's segments."""
    def build(a, b, sport, dport, wins, fields, fl, seq, ack, data, o):
        return ipc(a, b, **fields) / TCP(sport=sport, dport=dport, flags=fl, seq=seq & 0xFFFFFFFF,
                                          ack=ack & 0xFFFFFFFF, window=wins[0 if "S" in fl else 1],
                                          options=o or []) / Raw(data)

    def C(fl, seq, ack=0, data=b"", o=None):
        return build(src, dst, cport, port, cwin, client_ip or {}, fl, seq, ack, data, o)

    def S(fl, seq, ack=0, data=b"", o=None):
        return build(dst, reply_to or src, port, cport, swin, {}, fl, seq, ack, data, o)
    return C, S


def steps(net, *pkts):
    """Crafted packets sent one by one, each followed by a pause."""
    for p in pkts:
        net.send(p)
        time.sleep(GAP)


def repeated(net, pkt, n, gap=0.1):
    """One crafted packet sent ``n`` times, ``gap`` s apart (a retransmission as conntrack sees it)."""
    for _ in range(n):
        net.send(pkt)
        time.sleep(gap)


def handshake(net, C, S, cs, ss):
    """SYN and SYN/ACK (both with OPTS) and ACK of a crafted conversation whose initial sequence numbers are cs
    and ss."""
    steps(net, C("S", cs, o=OPTS), S("SA", ss, cs + 1, o=OPTS), C("A", cs + 1, ss + 1))


def hello_and_close(net, src, cport, dst, port):
    """HELLO on a real connection, then the client's FIN close."""
    c, s = hello_pair(net, src, cport, dst, port)
    close_pair(c, s)
    time.sleep(0.2)


def midstream(net, first, cport, port, isn=None, data=None, reply_to=C1, stamped_ids=True):
    """Crafted conversation on both sides (host stacks silenced) picked up mid-stream: data from the ``first``
    side, the other side's ACK, data and the ACK back, then a FIN close started by the other side. isn and
    data: (client's, server's); ``stamped_ids``: IPv4 ids from the clock (else scapy's default)."""
    isn = isn or (0x10002000 + cport, 0x70001000 + port)
    data = dict(zip("cs", data or (b"mid-stream data, client side " * 2, b"server answer mid-stream")))
    nxt = dict(zip("cs", isn))
    ends = {"c": (C1, SRV, cport, port, 502, 1000), "s": (SRV, reply_to, port, cport, 509, 2000)}

    def step(side, flags, payload=b""):
        src, dst, sport, dport, win, id_base = ends[side]
        ip = IP(src=src, dst=dst, id=id_base + int(time.time() * 1000) % 5000) if stamped_ids else IP(src=src, dst=dst)
        net.send(ip / TCP(sport=sport, dport=dport, flags=flags, seq=nxt[side], ack=nxt["s" if side == "c" else "c"],
                          window=win) / Raw(payload))
        nxt[side] += len(payload) + ("F" in flags)
        time.sleep(GAP)
    a, b = ("c", "s") if first == "client" else ("s", "c")
    step(a, "PA", data[a])
    step(b, "A")
    step(b, "PA", data[b])
    step(a, "A")
    step(b, "FA")
    step(a, "FA")
    step(b, "A")


def prep_established_before_ruleset(cport, port):
    """Prepare: a real connection established before conntrack exists in the router namespace."""
    def prep(net):
        lab = net.lab
        # the ruleset is already loaded by the runner: remove it, connect, load it again
        rs = lab.sh("rtr", ["nft", "list", "ruleset"], capture=True)
        lab.sh("rtr", ["nft", "flush", "ruleset"])
        time.sleep(0.3)
        c, s = net.tcp_pair(C1, cport, SRV, port)
        exchange(net, c, s, b"before the ruleset\n", b"ok\n")
        time.sleep(0.2)
        lab.nft("rtr", rs)
        net.pre = (c, s)
    return prep


def real_mid_traffic(net, first):
    c, s = net.pre
    a, b = (c, s) if first == "client" else (s, c)
    deliver(net, a, b, b"first packet conntrack sees, %s side\n" % first.encode())
    time.sleep(GAP)
    deliver(net, b, a, b"answer\n")
    time.sleep(GAP)
    deliver(net, a, b, b"y" * 3000)
    time.sleep(GAP)
    close_pair(b, a)
    time.sleep(0.2)


def bulk(net, cport, port, size, closer, src=C1, dst=SRV):
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


def connect_nb(net, src, sport, dst, dport, wait=0.4):
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


def reject_midflow(net, src, cport, dst, port, rule, nftfam="ip"):
    c, s = net.tcp_pair(src, cport, dst, port)
    exchange(net, c, s, b"before reject\n", b"ack\n")
    time.sleep(GAP)
    net.host_nft("wan", "add table inet midrej\nadd chain inet midrej in { type filter hook input priority 0; }\n"
                 "add rule inet midrej in tcp dport %d %s\n" % (port, rule))
    c.sendall(b"after reject\n")
    time.sleep(0.5)     # a retransmission or two, each answered by the error
    net.abort(c)
    s.close()
    net.host_nft_delete("wan", "midrej")
    time.sleep(GAP)


def icmp_errors_tcp_steps(net, src, dst, admin_prohibited):
    """SYNs to the ports REJECT4/REJECT6 reject (the first a soft error: time for a retransmission), then the
    mid-flow rejects: ``admin_prohibited`` and a TCP reset."""
    connect_nb(net, src, 41401, dst, 5201, wait=1.3)
    for sport, port in ((41402, 5202), (41403, 5203), (41405, 5205)):
        connect_nb(net, src, sport, dst, port)
    reject_midflow(net, src, 41404, dst, 5204, admin_prohibited)
    reject_midflow(net, src, 41406, dst, 5206, "reject with tcp reset")


def icmp_echo_raw(net, src, dst, ident, seq, v6=False):
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    s = net.lab.socket("lan", fam, socket.SOCK_RAW, proto)
    s.bind((src, 0))
    typ = 128 if v6 else 8
    body = struct.pack(">BBHHH", typ, 0, 0, ident, seq) + b"ping payload 0123456789abcdef"
    if not v6:
        ck = csum(body)
        body = body[:2] + struct.pack(">H", ck) + body[4:]
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


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def forwarded_ssh(net, src, sport, router, server):
    """A WAN client's connection to the router's port 2222 forwarded to ``server``:22: an SSH-like greeting
    both ways (2000 bytes more from the server), a pause, the client's close."""
    ls = net.tcp_listen(server, 22)
    c, s = net.tcp_pair(src, sport, router, 2222, listener=ls)
    exchange(net, c, s, b"SSH-2.0-client\r\n", b"SSH-2.0-server\r\n" + b"z" * 2000)
    time.sleep(GAP)
    close_pair(c, s)
    ls.close()


def drain(sock):
    sock.settimeout(0.01)
    try:
        while True:
            sock.recv(65536)
    except (socket.timeout, BlockingIOError):
        pass


def learn(net, c, s, cport, sport):
    """Next sequence numbers and raw windows of both sides of a real connection (one byte each way)."""
    net.raw("lan"), net.raw("wan")
    drain(net.raw("lan"))
    s.sendall(b"!")
    p = net.sniff_tcp("lan", sport, cport)
    net.recv_exact(c, 1)
    drain(net.raw("wan"))
    c.sendall(b"?")
    q = net.sniff_tcp("wan", cport, sport)
    net.recv_exact(s, 1)
    return {"cnxt": q[TCP].seq + 1, "snxt": p[TCP].seq + 1, "cwin": q[TCP].window, "swin": p[TCP].window}


def altered(pkt, layer, **fields):
    """A copy of a scapy packet with fields of one of its layers changed."""
    p = pkt.copy()
    for name, value in fields.items():
        setattr(p[layer], name, value)
    return p


def invalid_from_server(net, cp, sp):
    """tcp_invalid_server's segments on a real connection from (C1, cp) to (SRV, sp)."""
    c, s = net.tcp_pair(C1, cp, SRV, sp)
    exchange(net, c, s, b"hello\n", b"world\n")
    k = learn(net, c, s, cp, sp)
    C, S = crafted_tcp(cp, sp, cwin=(k["cwin"],) * 2, swin=(k["swin"],) * 2)
    cn, sn, x = k["cnxt"], k["snxt"], b"x" * 10
    time.sleep(GAP)
    steps(net,
          S("PA", sn + (1 << 30), cn, x),
          S("PA", sn - (1 << 20), cn, x),
          S("A", sn, cn + (1 << 20)),
          S("SA", sn - 1, cn),
          S("S", sn + 5000),
          S("FS", sn, cn, x),
          S("", sn, cn, x),
          S("FPU", sn, cn, x),
          S("R", sn + (1 << 30)),
          S("R", sn + 100),
          C("FA", cn + (1 << 30), sn),
          S("RA", sn + (1 << 30), cn))
    exchange(net, c, s, b"still alive\n", b"yes\n")
    time.sleep(GAP)
    close_pair(c, s)
    time.sleep(0.2)


def malformed_on_flows(net, cp, sp, ucp, up):
    """malformed's packets on a TCP flow (C1, cp) -> (SRV, sp) and a UDP flow (C1, ucp) -> (SRV, up)."""
    c, s = net.tcp_pair(C1, cp, SRV, sp)
    deliver(net, c, s, b"hello\n")
    k = learn(net, c, s, cp, sp)
    uc, us = udp_flow(net, C1, ucp, SRV, up, b"udp hello", b"udp answer")
    time.sleep(GAP)
    tcp_ok = IP(src=C1, dst=SRV) / TCP(sport=cp, dport=sp, flags="PA", seq=k["cnxt"], ack=k["snxt"],
                                      window=k["cwin"]) / Raw(b"payload")
    offset4 = bytearray(bytes(tcp_ok))
    offset4[20 + 12] = (4 << 4)        # data offset 4 words
    trunc = bytearray(bytes(tcp_ok)[:20 + 12])      # the TCP header cut short; IPv4 length and checksum fixed
    trunc[2:4] = struct.pack(">H", len(trunc))
    trunc[10:12] = b"\0\0"
    trunc[10:12] = struct.pack(">H", csum(bytes(trunc[:20])))
    u = IP(src=C1, dst=SRV) / UDP(sport=ucp, dport=up) / Raw(b"udp payload")
    quote = bytes(IP(src=C1, dst=SRV, ttl=63) / UDP(sport=ucp, dport=up) / Raw(b"udp payload"))[:28]
    steps(net,
          altered(tcp_ok, TCP, chksum=0x1234),
          IP(bytes(offset4)),
          IP(bytes(trunc)),
          altered(u, UDP, chksum=0x4321),
          altered(u, UDP, len=40),
          altered(u, UDP, len=10),
          altered(u, UDP, chksum=0),
          IP(src=C1, dst=SRV) / ICMP(type=8, id=0x5151, seq=1, chksum=0x1111) / Raw(b"bad icmp checksum"),
          IP(src=C1, dst=SRV, proto=1) / Raw(b"\x08\x00"),
          IP(src=SRV, dst=C1) / ICMP(type=3, code=3, chksum=0x2222) / Raw(quote),
          IP(src=SRV, dst=C1) / ICMP(type=3, code=3) / Raw(quote[:24]))
    deliver(net, c, s, b"continue\n")
    udp_ask(uc, us, b"udp again", b"udp answer again", (SRV, up))
    close_pair(c, s)
    time.sleep(0.2)


ICMP6_ERRORS = (ICMPv6TimeExceeded(), ICMPv6ParamProblem(ptr=6), ICMPv6PacketTooBig(mtu=1280), ICMPv6DestUnreach(code=1))


def icmp6_errors(net, src, dst, quote, layers):
    """Crafted ICMPv6 errors (scapy layers, copied by the / operator) from src to dst, each quoting ``quote``."""
    for layer in layers:
        net.send(IPv6(src=src, dst=dst) / layer / Raw(quote))
        time.sleep(0.05)


def try_send(net, s, data, dst):
    try:
        s.sendto(data, dst)
    except OSError as e:
        net.note("send %d to %s: %r" % (len(data), dst, e))


def udp_exchange(net, src, sport, dst, dport, server=None, n=1):
    """n request/answer pairs from a new client socket; ``server``: the socket answering (else a new one)."""
    srv = server or net.udp_socket(dst, dport)
    c = net.udp_socket(src, sport)
    for i in range(n):
        udp_ask(c, srv, b"request %d" % i, b"answer %d" % i, (dst, dport))
        time.sleep(0.05)
    time.sleep(GAP)
    return c, srv


def tcp_exchange(net, src, sport, dst, dport, listener, closer="client"):
    """A connection to ``listener``: request, response, closed first by ``closer``."""
    c, s = net.tcp_pair(src, sport, dst, dport, listener=listener)
    exchange(net, c, s, b"request\n", b"response\n")
    close_pair(*((c, s) if closer == "client" else (s, c)))
    time.sleep(GAP)


def sleep_until(t0, at):
    """Sleeps until ``at`` seconds after ``t0`` (time.monotonic())."""
    d = t0 + at - time.monotonic()
    if d > 0:
        time.sleep(d)


def udp_idle(net, cport, port, b_at, resume):
    """Flow A from (C1, cport) at 0 s and flow B from cport + 1 at ``b_at`` s, each one request/reply to
    (SRV, port); then A and B asked again at the times ``resume`` (s after the start); returns the server."""
    t0 = time.monotonic()
    srv = net.udp_socket(SRV, port)
    a, _ = udp_exchange(net, C1, cport, SRV, port, server=srv)
    sleep_until(t0, b_at)
    b, _ = udp_exchange(net, C1, cport + 1, SRV, port, server=srv)
    for sock, at in zip((a, b), resume):
        sleep_until(t0, at)
        udp_ask(sock, srv, b"after the pause", b"answer after the pause", (SRV, port))
    time.sleep(GAP)
    return srv


def echo(src, dst, ident, seq, reply=False):
    """A crafted ICMP or ICMPv6 (by the addresses) echo request, or reply."""
    data = Raw(b"ping payload 0123456789")
    if ":" in src:
        return IPv6(src=src, dst=dst) / (ICMPv6EchoReply if reply else ICMPv6EchoRequest)(id=ident, seq=seq) / data
    return IP(src=src, dst=dst) / ICMP(type=0 if reply else 8, id=ident, seq=seq) / data


def echo_expiry(net, pairs, ident, late):
    """For each (client, server) pair: a crafted echo request (the server's stack answers) at 0 s; at ``late`` s
    a crafted late echo reply with the same id, then a new request (answered)."""
    t0 = time.monotonic()
    for c, s in pairs:
        net.send(echo(c, s, ident, 1))
        time.sleep(GAP)
    sleep_until(t0, late)
    for c, s in pairs:
        steps(net, echo(s, c, ident, 1, reply=True), echo(c, s, ident, 2))


MASQ6 = ['oifname "wan" ip6 saddr 2001:db8:1::/64 masquerade']


NAT6 = dict(snat=MASQ6, nat_text={"masquerade": {"from": "2001:db8:1::/64", "out": "wan", "to": RTR_WAN_6,
                                                 "ports": "kept if unique, else a free port chosen by the kernel"}})


class Puppet:
    """A TCP connection whose both ends are scripted python sockets (TCP_NODELAY): every cmd()/reply() is one
    send(), hence one segment; the other end reads what arrived (after NAT rewriting) and returns it."""

    def __init__(self, net, src, cport, dst, port, server=None):
        """server: where the server socket really is when the router DNATs ``dst`` to it."""
        self.net, self.src, self.dst = net, src, dst
        self.srv = server or dst
        if server:
            ls = net.tcp_listen(server, port)
            self.c, self.s = net.tcp_pair(src, cport, dst, port, listener=ls)
            ls.close()
        else:
            self.c, self.s = net.tcp_pair(src, cport, dst, port)
        for x in (self.c, self.s):
            x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # when the reading end has what was sent (text protocols: a line end)
        self.done = lambda buf: buf.endswith(b"\n")

    @staticmethod
    def _read(sock, wait, done=lambda buf: buf.endswith(b"\n")):
        """What arrives within `wait` s, stopping early once ``done`` (default: at a line end)."""
        sock.settimeout(wait)
        buf = b""
        try:
            while not done(buf):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                buf += chunk
        except socket.timeout:
            pass
        return buf

    def _ends(self, side):
        """(sender, receiver) of what the client (side "c") or the server ("s") sends."""
        return (self.c, self.s) if side == "c" else (self.s, self.c)

    def cmd(self, data, wait=0.4):
        self.c.sendall(data)
        got = self._read(self.s, wait, self.done)
        self.net.note("cmd %r -> server saw %r" % (data, got))
        return got

    def reply(self, data, wait=0.4):
        self.s.sendall(data)
        got = self._read(self.c, wait, self.done)
        self.net.note("reply %r -> client saw %r" % (data, got))
        return got

    def parts(self, side, parts, gap=0.1, wait=0.4):
        """One command (side "c") or reply ("s") sent as several segments, ``gap`` s apart."""
        a, b = self._ends(side)
        for i, part in enumerate(parts):
            if i:
                time.sleep(gap)
            a.sendall(part)
        got = self._read(b, wait)
        self.net.note("%s in parts %r -> other end saw %r" % (side, parts, got))
        return got
