"""SCTP. The hosts have no SCTP stack, so every packet is crafted here chunk by chunk (lengths, tags and CRC32c as
given) and sent from the host namespaces' AF_PACKET sockets; the hosts' own kernels drop SCTP at input (no protocol
unreachable noise), the router's conntrack sees every packet."""
import struct
import time

from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw

from ..assemble import SCTP_CHUNKS
from ..registry import scenario
from ..traffic import C1, C1_6, C2, LSRV, RTR_WAN, SRV, SRV_6, WCLI
from .common import MASQ_TEXT, input_table, steps

# the chunk types these scenarios send; their numbers are in the summaries' table
(DATA, INIT, INIT_ACK, SACK, HEARTBEAT, HEARTBEAT_ACK, ABORT, SHUTDOWN, SHUTDOWN_ACK, COOKIE_ECHO, COOKIE_ACK,
 SHUTDOWN_COMPLETE) = (SCTP_CHUNKS.index(n) for n in (
    "DATA", "INIT", "INIT_ACK", "SACK", "HEARTBEAT", "HEARTBEAT_ACK", "ABORT", "SHUTDOWN", "SHUTDOWN_ACK",
    "COOKIE_ECHO", "COOKIE_ACK", "SHUTDOWN_COMPLETE"))
FLAG_T = 1          # ABORT and SHUTDOWN COMPLETE: the tag is the sender's own


def no_sctp(net):
    """prepare: without it the hosts' kernels would answer every SCTP packet with protocol unreachable."""
    for side in ("lan", "wan"):
        net.host_nft(side, input_table("nosctp", -300, "meta l4proto sctp drop"))


# ================================================================================================ packets

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def chunk(ctype, flags=0, body=b"", length=None):
    """One chunk, padded to 4 bytes; ``length`` overrides the length field (a chunk that lies)."""
    raw = struct.pack(">BBH", ctype, flags, 4 + len(body) if length is None else length) + body
    return raw + b"\0" * (-len(raw) % 4)


def init(tag, tsn, ctype=INIT):
    return chunk(ctype, 0, struct.pack(">IIHHI", tag, 106496, 10, 10, tsn))


def init_ack(tag, tsn):
    # a state cookie parameter (type 7) as a real INIT ACK carries one
    return chunk(INIT_ACK, 0, struct.pack(">IIHHI", tag, 106496, 10, 10, tsn)
                 + struct.pack(">HH", 7, 4 + 16) + b"cookie-%09d" % tsn)


def data(tsn, payload, flags=3):
    return chunk(DATA, flags, struct.pack(">IHHI", tsn, 0, 0, 0) + payload)


def sack(cum):
    return chunk(SACK, 0, struct.pack(">IIHH", cum, 106496, 0, 0))


def shutdown(cum):
    return chunk(SHUTDOWN, 0, struct.pack(">I", cum))


def heartbeat(ctype=HEARTBEAT, info=b"hb-info-01234567"):
    return chunk(ctype, 0, struct.pack(">HH", 1, 4 + len(info)) + info)


def cookie_echo(tsn):
    return chunk(COOKIE_ECHO, 0, b"cookie-%09d" % tsn)


def bare(ctype, flags=0):
    return chunk(ctype, flags)


def sctp(src, sport, dst, dport, vtag, *chunks, bad_crc=False, raw=None):
    """An IP packet carrying an SCTP packet (``raw``: the SCTP bytes as given, CRC32c still filled in when they
    hold the common header)."""
    l4 = bytearray(raw if raw is not None else struct.pack(">HHII", sport, dport, vtag, 0) + b"".join(chunks))
    if len(l4) >= 12:
        struct.pack_into("<I", l4, 8, crc32c(bytes(l4[:8]) + b"\0\0\0\0" + bytes(l4[12:])))
        if bad_crc:
            l4[8] ^= 0xFF
    ip = IPv6(src=src, dst=dst, nh=132) if ":" in src else IP(src=src, dst=dst, proto=132)
    return ip / Raw(bytes(l4))


class Assoc:
    """A crafted association between (c, cport) and (s, sport): packets from the client end ``C`` and from the
    server end ``S`` carry the peer's tag unless one is given. ``s_to``: where the server sends (a NAT address)."""
    def __init__(self, c, cport, s, sport, ctag, stag, ctsn=1000, stsn=7000, s_to=None, s_from=None, s_port=None):
        self.c, self.cport, self.s, self.sport = c, cport, s, sport
        self.ctag, self.stag, self.ctsn, self.stsn = ctag, stag, ctsn, stsn
        self.s_to, self.s_from, self.s_port = s_to or c, s_from or s, s_port or sport

    def C(self, *chunks, vtag=None, bad_crc=False):
        return sctp(self.c, self.cport, self.s, self.sport, self.stag if vtag is None else vtag, *chunks,
                    bad_crc=bad_crc)

    def S(self, *chunks, vtag=None, bad_crc=False, to_port=None):
        return sctp(self.s_from, self.s_port, self.s_to, to_port or self.cport, self.ctag if vtag is None else vtag,
                    *chunks, bad_crc=bad_crc)

    def setup(self, net, bundle=False):
        """INIT, INIT ACK, COOKIE ECHO, COOKIE ACK (``bundle``: DATA rides on the COOKIE ECHO, a SACK on the ACK)."""
        steps(net, self.C(init(self.ctag, self.ctsn), vtag=0), self.S(init_ack(self.stag, self.stsn)))
        if bundle:
            steps(net, self.C(cookie_echo(self.stsn), data(self.ctsn, b"early data")),
                  self.S(bare(COOKIE_ACK), sack(self.ctsn)))
            self.ctsn += 1
        else:
            steps(net, self.C(cookie_echo(self.stsn)), self.S(bare(COOKIE_ACK)))

    def exchange(self, net, request, response):
        """DATA and its SACK both ways, the second SACK bundled with the next DATA."""
        steps(net, self.C(data(self.ctsn, request)), self.S(sack(self.ctsn)), self.S(data(self.stsn, response)),
              self.C(sack(self.stsn), data(self.ctsn + 1, request)), self.S(sack(self.ctsn + 1)))
        self.ctsn += 2
        self.stsn += 1

    def heartbeats(self, net):
        steps(net, self.C(heartbeat()), self.S(heartbeat(HEARTBEAT_ACK)), self.S(heartbeat()),
              self.C(heartbeat(HEARTBEAT_ACK)))

    def close(self, net):
        steps(net, self.C(shutdown(self.stsn - 1)), self.S(bare(SHUTDOWN_ACK)), self.C(bare(SHUTDOWN_COMPLETE)))


# ================================================================================================ scenarios

@scenario(prepare=no_sctp, params={"cport": 40101, "port": 3868})
def sctp6_assoc(net, cap):
    """SCTP over IPv6 without NAT: INIT, INIT ACK, COOKIE ECHO with DATA bundled, COOKIE ACK with a SACK bundled,
    DATA/SACK both ways, SACK bundled with DATA, HEARTBEATs both ways; then DATA with a wrong verification tag and
    DATA with a bad CRC32c (both invalid, forwarded); then SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE. A second
    association from another port is ABORTed by the client mid-association (DATA and ABORT in one packet)."""
    a = Assoc(C1_6, 40101, SRV_6, 3868, 0x1a2b3c4d, 0x5e6f7081)
    a.setup(net, bundle=True)
    a.exchange(net, b"diameter-like request over v6", b"answer 2001")
    a.heartbeats(net)
    steps(net, a.C(data(a.ctsn, b"wrong tag"), vtag=0x0badf00d), a.C(data(a.ctsn, b"bad crc"), bad_crc=True))
    a.close(net)
    b = Assoc(C1_6, 40102, SRV_6, 3868, 0x1a2b3c4e, 0x5e6f7082, ctsn=2000, stsn=8000)
    b.setup(net)
    b.exchange(net, b"second", b"answer")
    steps(net, b.C(data(b.ctsn, b"last words"), bare(ABORT)))
    # the peer still sends: the entry is CLOSED, its DATA passes
    steps(net, b.S(data(b.stsn, b"too late")))


@scenario(prepare=no_sctp,
          params={"wcli": WCLI, "cport": 41868, "public": "203.0.113.1:3868", "server": "198.51.100.20:3869"},
          dnat=['iifname "wan" ip daddr 203.0.113.1 meta l4proto sctp dnat ip to 198.51.100.20:3869'],
          nat_text={"dnat": "sctp to 203.0.113.1 from wan -> 198.51.100.20:3869"})
def sctp_dnat(net, cap):
    """DNAT of SCTP: a WAN client associates with 203.0.113.1:3868, published as the LAN server 198.51.100.20:3869
    (address and port rewritten, CRC32c recomputed; replies un-DNATed). DATA both ways, HEARTBEATs; a DATA with a
    wrong tag is invalid, so it is not DNATed: it is addressed to the router, which has no SCTP and answers with
    protocol unreachable. A second client port associates too; both shut down."""
    a = Assoc(WCLI, 41868, RTR_WAN, 3868, 0x2a2b3c4d, 0x6e6f7081, s_from=LSRV, s_port=3869)
    a.setup(net)
    a.exchange(net, b"request through dnat", b"answer from the lan")
    a.heartbeats(net)
    steps(net, a.C(data(a.ctsn, b"wrong tag"), vtag=0x12345678))
    b = Assoc(WCLI, 41869, RTR_WAN, 3868, 0x2a2b3c4e, 0x6e6f7082, ctsn=3000, stsn=9000, s_from=LSRV, s_port=3869)
    b.setup(net, bundle=True)
    b.exchange(net, b"second client port", b"ok")
    a.close(net)
    b.close(net)


@scenario(prepare=no_sctp, params={"cport": 40201, "port": 3868})
def sctp_multichunk_abort(net, cap):
    """Multi-chunk packets without NAT: COOKIE ECHO + DATA, COOKIE ACK + SACK, SACK + DATA + DATA, DATA + DATA +
    SACK, an unknown chunk type (0x3f) bundled with DATA; then the client ABORTs mid-association (T bit clear, the
    server's tag) and the server's late DATA still passes (CLOSED). The client then starts again on the same ports:
    a retransmitted INIT (no refresh), the handshake again on the same entry, DATA, and an ABORT from the server with
    the T bit set (its own tag)."""
    a = Assoc(C1, 40201, SRV, 3868, 0x3a2b3c4d, 0x7e6f7081)
    a.setup(net, bundle=True)
    steps(net,
          a.C(sack(a.stsn - 1), data(a.ctsn, b"one"), data(a.ctsn + 1, b"two")),
          a.S(data(a.stsn, b"three"), data(a.stsn + 1, b"four"), sack(a.ctsn + 1)),
          a.C(chunk(0x3f, 0, b"unknown!"), data(a.ctsn + 2, b"five"), sack(a.stsn + 1)),
          a.S(sack(a.ctsn + 2)))
    steps(net, a.C(bare(ABORT)), a.S(data(a.stsn + 2, b"late")))
    time.sleep(0.5)
    b = Assoc(C1, 40201, SRV, 3868, 0x3a2b3c50, 0x7e6f7090, ctsn=5000, stsn=9000)
    steps(net, b.C(init(b.ctag, b.ctsn), vtag=0))
    time.sleep(0.6)
    b.setup(net)
    b.exchange(net, b"again", b"welcome back")
    steps(net, b.S(bare(ABORT, FLAG_T), vtag=b.stag), b.C(data(b.ctsn, b"after the abort")))


@scenario(prepare=no_sctp, params={"c1": C1, "c2": C2, "port": 3868})
def sctp_heartbeat_paths(net, cap):
    """Multi-homing and heartbeats without NAT. An association on the first client address; a HEARTBEAT from the
    second address (a path without INIT) opens HEARTBEAT_SENT and its HEARTBEAT ACK establishes it (ASSURED). On the
    first path the client restarts: a HEARTBEAT with a new tag passes without refreshing the entry, the server's
    HEARTBEAT ACK with its new tag is learnt, DATA with the new tags passes and with the old one is invalid. A third
    path is opened by a HEARTBEAT and answered with an INIT from the server (invalid in HEARTBEAT_SENT); a
    HEARTBEAT ACK with a tag nobody asked for is invalid; a lone HEARTBEAT ACK opens an entry in CLOSED."""
    a = Assoc(C1, 40301, SRV, 3868, 0x4a2b3c4d, 0x8e6f7081)
    a.setup(net)
    a.exchange(net, b"path one", b"ok")
    p2 = Assoc(C2, 40301, SRV, 3868, a.ctag, a.stag)
    steps(net, p2.C(heartbeat()), p2.S(heartbeat(HEARTBEAT_ACK)), p2.C(data(a.ctsn, b"on path two")),
          p2.S(sack(a.ctsn)))
    a.ctsn += 1
    steps(net, a.C(heartbeat(), vtag=0x11111111), a.S(heartbeat(HEARTBEAT_ACK), vtag=0x22222222),
          a.C(heartbeat(), vtag=0x11111111), a.C(data(1, b"new tags"), vtag=0x11111111),
          a.S(sack(1), vtag=0x22222222), a.C(data(2, b"old tag"), vtag=a.stag))
    p3 = Assoc(C2, 40303, SRV, 3868, 0x4a2b3c50, 0x8e6f7090)
    steps(net, p3.C(heartbeat()), p3.S(init(p3.stag, 1), vtag=0), p3.S(heartbeat(HEARTBEAT_ACK)))
    steps(net, a.S(heartbeat(HEARTBEAT_ACK), vtag=0x33333333))
    p4 = Assoc(C1, 40304, SRV, 3868, 0x4a2b3c51, 0x8e6f7091)
    steps(net, p4.C(heartbeat(HEARTBEAT_ACK)), p4.S(heartbeat()))


@scenario(prepare=no_sctp, params={"cport": 40401, "port": 3868})
def sctp_hostile(net, cap):
    """Malformed and misplaced chunks, without NAT. On an established association: a DATA whose length runs past
    the packet (passes), a chunk whose length is below its header (1: the walk moves 4 bytes), a zero-length chunk
    (invalid, logged), unknown chunk types (pass), 360 small chunks in one packet (pass), COOKIE ECHO after DATA and
    INIT after DATA (invalid, logged), a common header without chunks and a header cut short (invalid). New flows: an
    INIT with initiate tag 0 (accepted, answered with tag 0), a first packet of an unknown type (invalid), a stray
    SHUTDOWN with a tag (tag check logged), a stray SHUTDOWN ACK (opens SHUTDOWN_ACK_SENT) and the SHUTDOWN COMPLETE
    answering it, an INIT whose length (4) makes its initiate tag read as a second chunk (invalid, logged)."""
    a = Assoc(C1, 40401, SRV, 3868, 0x5a2b3c4d, 0x9e6f7081)
    a.setup(net)
    a.exchange(net, b"hello", b"hi")
    ok_sack = sack(a.stsn - 1)
    steps(net,
          a.C(chunk(DATA, 3, struct.pack(">IHHI", a.ctsn, 0, 0, 0) + b"short", length=1000)),
          a.C(chunk(SACK, 0, b"", length=1), ok_sack),
          a.C(ok_sack, chunk(0x3f, 0, b"", length=0)),
          a.C(chunk(0x3f, 0, b"unknown"), chunk(0xc1, 0, b"asconf?!"), ok_sack),
          a.C(*([chunk(0x3e)] * 360)),
          a.C(data(a.ctsn + 1, b"x"), cookie_echo(1)),
          a.C(data(a.ctsn + 1, b"x"), init(0x77, 1)),
          a.C(),
          sctp(C1, 40401, SRV, 3868, 0, raw=struct.pack(">HHI", 40401, 3868, a.stag)))
    z = Assoc(C1, 40402, SRV, 3868, 0, 0x9e6f7082)
    steps(net, z.C(init(0, 100), vtag=0), z.S(init_ack(z.stag, 200), vtag=0), z.C(cookie_echo(200)),
          z.S(bare(COOKIE_ACK), vtag=0))
    steps(net,
          sctp(C1, 40403, SRV, 3868, 0x01020304, chunk(0x3f, 0, b"unknown")),
          sctp(C1, 40404, SRV, 3868, 0x01020304, shutdown(5)),
          sctp(C1, 40405, SRV, 3868, 0x01020305, bare(SHUTDOWN_ACK)),
          sctp(SRV, 3868, C1, 40405, 0x01020305, bare(SHUTDOWN_COMPLETE)),
          sctp(C1, 40406, SRV, 3868, 0, chunk(INIT, 0, struct.pack(">IIHHI", 0x1a2b3c4d, 1, 10, 10, 1), length=4)))
    a.close(net)


@scenario(prepare=no_sctp, params={"cport": 40501, "port": 3868, "nat": "masquerade"}, masq=True, nat_text=MASQ_TEXT)
def sctp_masq_collision(net, cap):
    """SCTP through masquerade. Association A starts with an INIT collision: the client's INIT and the server's INIT
    cross, each side answers the other's with an INIT ACK (the client keeping its initiate tag, as RFC 9260 5.2.1
    asks), then COOKIE ECHO and COOKIE ACK; DATA both ways. Association B from the second client on the same source
    port gets another port from the kernel; it exchanges DATA and the server ABORTs it with the T bit set. On A, an
    INIT ACK with another initiate tag after the handshake is invalid (not NATed: the router answers it with
    protocol unreachable); then A shuts down."""
    a = Assoc(C1, 40501, SRV, 3868, 0x6a2b3c4d, 0x6e6f7a81, s_to=RTR_WAN)
    steps(net, a.C(init(a.ctag, a.ctsn), vtag=0), a.S(init(a.stag, a.stsn), vtag=0),
          a.C(init_ack(a.ctag, a.ctsn), vtag=a.stag), a.S(init_ack(a.stag, a.stsn), vtag=a.ctag),
          a.C(cookie_echo(a.stsn)), a.S(bare(COOKIE_ACK)))
    a.exchange(net, b"after a collision", b"fine")
    b = Assoc(C2, 40501, SRV, 3868, 0x6a2b3c4e, 0x6e6f7a82, ctsn=4000, stsn=8000, s_to=RTR_WAN)
    steps(net, b.C(init(b.ctag, b.ctsn), vtag=0))
    port = net_port(cap, b)
    steps(net, b.S(init_ack(b.stag, b.stsn), to_port=port), b.C(cookie_echo(b.stsn)),
          b.S(bare(COOKIE_ACK), to_port=port), b.C(data(b.ctsn, b"from client two")),
          b.S(sack(b.ctsn), data(b.stsn, b"answer two"), to_port=port), b.C(sack(b.stsn)),
          b.S(bare(ABORT, FLAG_T), vtag=b.stag, to_port=port))
    # on A, whose port the kernel kept (a packet to B's random port that only the router answers could not be
    # compared: the comparison renames ports in packets, not in the ICMP error quoting one)
    steps(net, a.S(init_ack(0x0badf00d, a.stsn)))
    a.close(net)


def net_port(cap, assoc):
    """The source port the router gave the association's INIT, read back from the router's conntrack table."""
    out = cap.lab.sh("rtr", ["conntrack", "-L", "-p", "sctp", "--orig-src", assoc.c, "--orig-port-src",
                             str(assoc.cport)], capture=True, check=False)
    for word in out.split():
        if word.startswith("dport=") and word != "dport=%d" % assoc.sport:
            return int(word.split("=")[1])
    raise RuntimeError("no masqueraded port for %s:%d in %r" % (assoc.c, assoc.cport, out))
