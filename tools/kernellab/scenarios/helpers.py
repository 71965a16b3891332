"""The TFTP, IRC, Amanda and SANE helpers (the reference cases have one masquerade or DNAT case each): IPv6, DNAT and
no-NAT variants, transfers at once, odd and hostile announcements, floods, and a helper taken out of the ruleset
while its connections run."""
import os
import re
import socket
import struct
import subprocess
import tempfile
import time

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw

from ..registry import scenario
from ..ruleset import ruleset
from ..traffic import C1, C1_6, C2, LSRV, RTR_WAN, SRV, SRV_6, WCLI
from .common import GAP, MASQ_TEXT, NAT6, Puppet, close_pair, deliver, dnat_and_masq, input_table

TFTP = {"type": "tftp", "protocol": "udp", "port": 69}
IRC = {"type": "irc", "protocol": "tcp", "port": 6667}
AMANDA = {"type": "amanda", "protocol": "udp", "port": 10080}
SANE = {"type": "sane", "protocol": "tcp", "port": 6566}

MASQ = dict(masq=True, nat_text=MASQ_TEXT)


def _pause():
    time.sleep(GAP)


# ---- TFTP ---------------------------------------------------------------------------------------------------------

def tftpd(net, side, addr, port=69, ports=(50000, 50009)):
    """tftpd-hpa listening on (addr, port) in the host of ``side``, answering from ``ports``; files small.bin (1800
    bytes) and big.bin (5000), uploads allowed (-c)."""
    root = tempfile.mkdtemp(prefix="kltftp")
    net.lab.tmpdirs.append(root)
    os.chmod(root, 0o777)
    for name, size in (("small.bin", 1800), ("big.bin", 5000)):
        with open(os.path.join(root, name), "wb") as f:
            f.write(bytes((i * 7) & 0xFF for i in range(size)))
        os.chmod(os.path.join(root, name), 0o666)
    where = ("[%s]:%d" if ":" in addr else "%s:%d") % (addr, port)
    net.lab.popen(side, ["in.tftpd", "-L", "-a", where, "-s", "-u", "tftp", "-R", "%d:%d" % ports, "-c", root]
                  + (["-6"] if ":" in addr else ["-4"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.4)


def _tftp_options(blksize):
    return b"" if not blksize else b"blksize\0%d\0" % blksize


def tftp_get(net, src, sport, dst, name, blksize=None, port=69):
    """A read request from (src, sport) and the transfer, acknowledging every block to where it came from."""
    s = net.udp_socket(src, sport)
    size, want, got, peer = blksize or 512, 1, b"", None
    s.sendto(b"\0\1" + name + b"\0octet\0" + _tftp_options(blksize), (dst, port))
    try:
        while True:
            pkt, peer = s.recvfrom(65536)
            op = struct.unpack("!H", pkt[:2])[0]
            if op == 6:
                s.sendto(b"\0\4\0\0", peer)
            elif op == 3:
                if struct.unpack("!H", pkt[2:4])[0] == want:
                    got += pkt[4:]
                    want += 1
                s.sendto(b"\0\4" + pkt[2:4], peer)
                if len(pkt) - 4 < size:
                    break
            else:
                net.note("tftp get %r: %r" % (name, pkt[:60]))
                break
    except socket.timeout:
        net.note("tftp get %r from %s:%d: timeout" % (name, src, sport))
    s.close()
    net.note("tftp get %r %s:%d -> %s:%d (answered from %s): %d bytes" % (name, src, sport, dst, port, peer, len(got)))
    return got


def tftp_put(net, src, sport, dst, name, data, blksize=None, port=69):
    """A write request from (src, sport), then the blocks, each after the previous acknowledgement."""
    s = net.udp_socket(src, sport)
    size = blksize or 512
    s.sendto(b"\0\2" + name + b"\0octet\0" + _tftp_options(blksize), (dst, port))
    peer = None
    try:
        pkt, peer = s.recvfrom(65536)
        blocks = [data[i:i + size] for i in range(0, len(data), size)]
        if len(data) % size == 0:
            blocks.append(b"")
        for n, block in enumerate(blocks, 1):
            s.sendto(b"\0\3" + struct.pack("!H", n) + block, peer)
            s.recvfrom(65536)
    except socket.timeout:
        net.note("tftp put %r from %s:%d: timeout" % (name, src, sport))
    s.close()
    net.note("tftp put %r %s:%d -> %s:%d (answered from %s): %d bytes" % (name, src, sport, dst, port, peer, len(data)))


UPLOAD = bytes((i * 13) & 0xFF for i in range(1500))


@scenario(helper=TFTP, prepare=lambda net: tftpd(net, "wan", SRV_6), params={"tftp_ports": [50000, 50009]})
def tftp6(net, cap):
    """TFTP over IPv6 with the tftp helper (ct helper l3proto inet), no NAT: tftpd-hpa on 2001:db8:2::10 answering
    from ports 50000-50009; a get of 1800 bytes, a get of 5000 bytes with blksize 1024, a put of 1500 bytes."""
    tftp_get(net, C1_6, 41100, SRV_6, b"small.bin")
    _pause()
    tftp_get(net, C1_6, 41101, SRV_6, b"big.bin", blksize=1024)
    _pause()
    tftp_put(net, C1_6, 41102, SRV_6, b"up6.bin", UPLOAD)


@scenario(helper=TFTP, prepare=lambda net: tftpd(net, "wan", SRV_6), params={"tftp_ports": [50000, 50009]}, **NAT6)
def tftp6_masq(net, cap):
    """TFTP over IPv6 through masquerade (ip6 saddr 2001:db8:1::/64 masquerade) with the tftp helper: a get, a get
    with blksize 1024, a put; the server's answers from its new ports are related and follow the request's
    binding back to the client."""
    tftp_get(net, C1_6, 41110, SRV_6, b"small.bin")
    _pause()
    tftp_get(net, C1_6, 41111, SRV_6, b"big.bin", blksize=1024)
    _pause()
    tftp_put(net, C1_6, 41112, SRV_6, b"up6m.bin", UPLOAD)


@scenario(helper=TFTP, prepare=lambda net: tftpd(net, "wan", SRV), params={"tftp_ports": [50000, 50009]}, **MASQ)
def tftp_concurrent_masq(net, cap):
    """Four TFTP transfers at once through masquerade, each in its own thread: gets from 198.51.100.10:41120,
    198.51.100.11:41123 and (blksize 1024) 198.51.100.10:41121, a put from 198.51.100.11:41122. (Two clients on one
    port would clash on the masqueraded port, which the kernel picks at random: the server's answer, from a port of
    its own, goes to that port, which a replay cannot know.)"""
    jobs = [lambda: tftp_get(net, C1, 41120, SRV, b"big.bin"),
            lambda: tftp_get(net, C2, 41123, SRV, b"small.bin"),
            lambda: tftp_get(net, C1, 41121, SRV, b"big.bin", blksize=1024),
            lambda: tftp_put(net, C2, 41122, SRV, b"upc.bin", UPLOAD)]
    for i, job in enumerate(jobs):
        net.bg(job)
        time.sleep(0.003 * i)
    net.join()


TFTP_DNAT = ['iifname "wan" ip daddr 203.0.113.1 udp dport 69 dnat ip to 198.51.100.20:6969']


def _tftpd_lan_6969(net):
    tftpd(net, "lan", LSRV, port=6969)


@scenario(helper=dict(TFTP, port=6969), prepare=_tftpd_lan_6969, params={"tftp_ports": [50000, 50009]},
          dnat=TFTP_DNAT, nat_text={"dnat": TFTP_DNAT})
def tftp_dnat_port(net, cap):
    """tftpd-hpa on the LAN at 198.51.100.20:6969, published by DNAT of udp 203.0.113.1:69 (another port); the helper
    rule matches dport 6969, the port after DNAT (the helpers chain runs after dstnat): gets and a put from two WAN
    clients; the server's answers come from its own new ports, are related and leave with the published address
    and their own port."""
    tftp_get(net, WCLI, 41130, RTR_WAN, b"small.bin")
    _pause()
    tftp_put(net, SRV, 41131, RTR_WAN, b"upd.bin", UPLOAD)
    _pause()
    tftp_get(net, WCLI, 41132, RTR_WAN, b"big.bin", blksize=1024)


@scenario(helper=TFTP, prepare=_tftpd_lan_6969, params={"tftp_ports": [50000, 50009]}, dnat=TFTP_DNAT,
          nat_text={"dnat": TFTP_DNAT})
def tftp_dnat_port_unhelped(net, cap):
    """As tftp_dnat_port, but the helper rule matches udp dport 69: the helpers chain runs after dstnat and sees port
    6969, so the requests get no helper; the server's answers from its new ports are new connections, and leave
    with the LAN server's own address (nothing translates them)."""
    tftp_get(net, WCLI, 41133, RTR_WAN, b"small.bin")
    _pause()
    tftp_put(net, SRV, 41134, RTR_WAN, b"upu.bin", UPLOAD)


@scenario(helper=TFTP, prepare=lambda net: tftpd(net, "wan", SRV), params={"tftp_ports": [50000, 50009]}, **MASQ)
def tftp_helper_removed_masq(net, cap):
    """The tftp helper taken out mid-session (nft -f: flush ruleset, then the same table without the ct helper
    object and its rule), through masquerade. Before: a get from 198.51.100.10:41140 (helped). After: another get
    from the same port, on the master connection, which keeps its helper (Linux does not unhelp a connection when the
    ruleset changes): its request is expected again (tftpd answers from the port it used before, on the data
    connection that is still there, so the expectation stays); then a get from a new port 41141, whose request gets
    no helper: the server's answer from its new port is a new connection to the router itself, refused with port
    unreachable, and the client gives up."""
    tftp_get(net, C1, 41140, SRV, b"small.bin")
    _pause()
    cap.change_ruleset(ruleset(dict(masq=True)))
    _pause()
    tftp_get(net, C1, 41140, SRV, b"small.bin")
    _pause()
    tftp_get(net, C1, 41141, SRV, b"small.bin")


def _udp(src, sport, dst, dport, payload):
    ip = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    return ip / UDP(sport=sport, dport=dport) / Raw(payload)


def _sent(net, *pkts, gap=0.05):
    for p in pkts:
        net.send(p)
        time.sleep(gap)


def _silence_udp(net, side, ports):
    """The host's own stack never sees UDP datagrams to these ports (crafted exchanges: no port unreachable)."""
    net.host_nft(side, input_table("silence", -300, *("udp dport %s drop" % p for p in ports)))


def _tftp_hostile_prep(net):
    _silence_udp(net, "wan", ["69"])
    _silence_udp(net, "lan", ["42000-42199"])


@scenario(helper=TFTP, prepare=_tftp_hostile_prep, params={"cports": [42000, 42199]}, **MASQ)
def tftp_hostile_masq(net, cap):
    """Crafted TFTP datagrams through masquerade (no tftpd; both hosts drop them): a request of one byte, an empty
    one, opcodes 9, DATA and ERROR to port 69 (no expectation); a read request repeated and then a write request
    on one flow (each replaces the flow's one expectation); the server's answer from port 50001 (related), a second
    one from port 50002 (new, to the router itself); a request answered from port 69 itself (the expectation
    stays); twenty requests from twenty ports (twenty expectations)."""
    rrq = b"\0\1file\0octet\0"
    _sent(net, _udp(C1, 42000, SRV, 69, b"\0"), _udp(C1, 42001, SRV, 69, b""),
          _udp(C1, 42002, SRV, 69, b"\0\x09junk"), _udp(C1, 42003, SRV, 69, b"\0\3\0\1data"),
          _udp(C1, 42006, SRV, 69, b"\0\5\0\1oops\0"))
    _pause()
    _sent(net, _udp(C1, 42004, SRV, 69, rrq), _udp(C1, 42004, SRV, 69, rrq),
          _udp(C1, 42004, SRV, 69, b"\0\2file\0octet\0"))
    _pause()
    _sent(net, _udp(SRV, 50001, RTR_WAN, 42004, b"\0\3\0\1" + b"x" * 100), _udp(C1, 42004, SRV, 50001, b"\0\4\0\1"),
          _udp(SRV, 50002, RTR_WAN, 42004, b"\0\3\0\1" + b"y" * 10))
    _pause()
    _sent(net, _udp(C1, 42005, SRV, 69, rrq), _udp(SRV, 69, RTR_WAN, 42005, b"\0\5\0\1no\0"))
    _pause()
    _sent(net, *[_udp(C1, 42100 + i, SRV, 69, rrq) for i in range(20)], gap=0.01)


# ---- IRC ----------------------------------------------------------------------------------------------------------

def _dcc_target(seen):
    """(address, port) that a DCC offer names, as its receiver saw it (the address as an unsigned number)."""
    m = re.search(rb"DCC \S+ \S+ (\d+) (\d+)", seen)
    if not m:
        return None
    a = int(m.group(1)) & 0xFFFFFFFF
    return socket.inet_ntoa(struct.pack("!I", a)), int(m.group(2))


def _ip_number(addr):
    return struct.unpack("!I", socket.inet_aton(addr))[0]


class IrcPuppet(Puppet):
    """An IRC client and its server, both scripted: registration, then whatever the scenario sends."""

    def __init__(self, net, src, cport, dst=SRV, server=None, port=6667):
        super().__init__(net, src, cport, dst, port, server)
        self.cmd(b"NICK alice\r\n")
        self.cmd(b"USER alice 0 * :Lab alice\r\n")
        self.reply(b":irc.lab.test 001 alice :Welcome to the lab IRC\r\n")

    def offer(self, text, ack=b":bob!bob@203.0.113.30 NOTICE alice :got it\r\n"):
        """One client segment (an offer) and the server's notice; returns the segment as the server saw it."""
        seen = self.cmd(text)
        self.reply(ack)
        return seen


def dcc_connect(net, peer, seen, listen_at, body=b"dcc data " * 100):
    """The peer connects where the offer, as the server saw it (``seen``), points; the offering client accepts on
    ``listen_at`` and sends ``body``."""
    to = _dcc_target(seen)
    if to is None:
        net.note("no DCC target in %r" % seen)
        return
    ls = net.tcp_listen(*listen_at)
    d = net.tcp_socket(peer)
    d.settimeout(2)
    try:
        d.connect(to)
        a, _ = ls.accept()
        deliver(net, a, d, body)
        close_pair(a, d, pause=0.02)
    except OSError as e:
        net.note("dcc %s -> %s:%d: %r" % ((peer,) + to + (e,)))
        d.close()
    ls.close()
    _pause()


def _privmsg(kind, name, addr, port, size=b" 1024", target=b"bob"):
    return b"PRIVMSG %s :\x01DCC %s %s %s %s%s\x01\r\n" % (target, kind, name, addr, port, size)


@scenario(helper=IRC, params={"irc_port": 6667})
def irc_dcc_nonat(net, cap):
    """IRC with the irc helper and no NAT: the LAN client offers a DCC SEND and a DCC CHAT naming its own address
    (expected: any source to 198.51.100.10 at the port); the WAN peer 203.0.113.30 connects to both (related)."""
    irc = IrcPuppet(net, C1, 43700)
    a = b"%d" % _ip_number(C1)
    seen = irc.offer(_privmsg(b"SEND", b"notes.txt", a, b"5010"))
    dcc_connect(net, WCLI, seen, (C1, 5010))
    seen = irc.offer(_privmsg(b"CHAT", b"chat", a, b"5011", size=b""))
    dcc_connect(net, WCLI, seen, (C1, 5011))
    irc.cmd(b"QUIT :bye\r\n")
    close_pair(irc.c, irc.s)


@scenario(helper=IRC, params={"irc_port": 6667}, **MASQ)
def irc_dcc_hostile_masq(net, cap):
    """DCC offers through masquerade, each its own segment: forged (another host's address, port 0, port 65536 which
    is 0 to the kernel), port 65537 (read as 1), the router's public address (accepted), lower-case privmsg, an
    unknown DCC type before a SEND in the same segment, no line end, two offers in one segment (the first counts),
    a NOTICE carrying a DCC (not read), then ten offers in a row (eight expected per connection: the oldest go).
    The peer connects to the last offer."""
    irc = IrcPuppet(net, C1, 43710)
    own, pub = b"%d" % _ip_number(C1), b"%d" % _ip_number(RTR_WAN)
    for text in (_privmsg(b"SEND", b"f", b"%d" % _ip_number("192.0.2.1"), b"5020"),
                 _privmsg(b"SEND", b"f", own, b"0"),
                 _privmsg(b"SEND", b"f", own, b"65536"),
                 _privmsg(b"SEND", b"f", own, b"65537"),
                 _privmsg(b"SEND", b"f", pub, b"5021"),
                 b"privmsg bob :\x01DCC SEND f %s 5022 10\x01\r\n" % own,
                 b"PRIVMSG bob :\x01DCC RESUME f 5023 0\x01 :\x01DCC SEND f %s 5024 10\x01\r\n" % own,
                 b"PRIVMSG bob :\x01DCC SEND f %s 5025 10\x01" % own,
                 _privmsg(b"SEND", b"f", own, b"5026") + _privmsg(b"SEND", b"g", own, b"5027"),
                 b"NOTICE bob :\x01DCC SEND f %s 5028 10\x01\r\n" % own):
        irc.offer(text)
    seen = None
    for i in range(10):
        seen = irc.offer(_privmsg(b"SEND", b"part%d" % i, own, b"%d" % (5030 + i)))
    dcc_connect(net, WCLI, seen, (C1, 5039))
    irc.cmd(b"QUIT :bye\r\n")
    close_pair(irc.c, irc.s)


IRC_DNAT = ['iifname "wan" ip daddr 203.0.113.1 tcp dport 6667 dnat ip to 198.51.100.20:6667']


@scenario(helper=IRC, params={"irc_port": 6667}, **dnat_and_masq(IRC_DNAT))
def irc_dcc_dnat(net, cap):
    """An IRC server on the LAN (198.51.100.20) published by DNAT of tcp 203.0.113.1:6667: the WAN client 203.0.113.30
    offers a DCC SEND naming its own address (rewritten with the same address behind NAT); a LAN host connects to
    it (related; it leaves with the router's address, as the IRC server's connection does)."""
    irc = IrcPuppet(net, WCLI, 43720, dst=RTR_WAN, server=LSRV)
    seen = irc.offer(_privmsg(b"SEND", b"report.pdf", b"%d" % _ip_number(WCLI), b"5040"))
    dcc_connect(net, C1, seen, (WCLI, 5040))
    irc.cmd(b"QUIT :bye\r\n")
    close_pair(irc.c, irc.s)


@scenario(helper=IRC, params={"irc_port": 6667}, **MASQ)
def irc_helper_removed_masq(net, cap):
    """The irc helper taken out mid-session (nft -f: flush ruleset, then the same table without the ct helper object
    and its rule), through masquerade. An IRC connection's DCC SEND is rewritten (its segments are shifted from then
    on); after the change the connection keeps its helper: a second offer is expected and rewritten, and the peer's
    connection is related; a new IRC connection gets no helper: its offer passes as written (the client's private
    address) and makes no expectation."""
    irc = IrcPuppet(net, C1, 43740)
    own = b"%d" % _ip_number(C1)
    seen = irc.offer(_privmsg(b"SEND", b"before.txt", own, b"5060"))
    dcc_connect(net, WCLI, seen, (C1, 5060))
    cap.change_ruleset(ruleset(dict(masq=True)))
    _pause()
    seen = irc.offer(_privmsg(b"SEND", b"after.txt", own, b"5061"))
    dcc_connect(net, WCLI, seen, (C1, 5061))
    fresh = IrcPuppet(net, C1, 43741)
    fresh.offer(_privmsg(b"SEND", b"unhelped.txt", own, b"5062"))
    for p in (fresh, irc):
        p.cmd(b"QUIT :bye\r\n")
        close_pair(p.c, p.s)


@scenario(helper=IRC, params={"irc_port": 6667})
def irc6(net, cap):
    """IRC over IPv6 with the irc helper object in an inet table (l3proto inet): Linux has no IPv6 IRC helper, so
    the connection gets none; a DCC offer (an IPv4 number, as IRC clients write it) makes no expectation and the
    peer's connection to the client is new."""
    irc = IrcPuppet(net, C1_6, 43730, dst=SRV_6)
    irc.offer(_privmsg(b"SEND", b"f", b"%d" % _ip_number(C1), b"5050"))
    ls = net.tcp_listen(C1_6, 5050)
    d = net.tcp_socket(SRV_6)
    d.settimeout(2)
    d.connect((C1_6, 5050))
    a, _ = ls.accept()
    deliver(net, a, d, b"v6 dcc\n")
    close_pair(a, d, pause=0.02)
    ls.close()
    irc.cmd(b"QUIT :bye\r\n")
    close_pair(irc.c, irc.s)


# ---- Amanda -------------------------------------------------------------------------------------------------------

def amanda_exchange(net, server, sport, client, answers, dst=None, client_bind=None):
    """The backup server's REQ from (server, sport) to the client's port 10080 (``dst``, when the router DNATs it),
    then the client's ``answers`` (each one datagram), each read by the server; returns what the server read."""
    srv = net.udp_socket(server, sport)
    cli = net.udp_socket(client_bind or client, 10080)
    srv.sendto(b"Amanda 2.6 REQ HANDLE 000-1 SEQ 1\nSERVICE sendbackup\n", (dst or client, 10080))
    _, peer = cli.recvfrom(65536)
    seen = []
    for a in answers:
        cli.sendto(a, peer)
        try:
            seen.append(srv.recvfrom(65536)[0])
        except socket.timeout:
            seen.append(b"")
        _pause()
    net.note("amanda answers as the server read them: %r" % seen)
    return srv, cli, seen


def _ports(seen):
    return [int(p) for p in re.findall(rb"(?:DATA|MESG|INDEX|STATE) (\d+)", seen)]


def amanda_connect(net, src, dst, port, listen_at, body=b"backup " * 50):
    """The backup server connects to an announced port; the client sends ``body`` and closes."""
    ls = net.tcp_listen(*listen_at)
    d = net.tcp_socket(src)
    d.settimeout(2)
    try:
        d.connect((dst, port))
        a, _ = ls.accept()
        deliver(net, a, d, body)
        close_pair(a, d, pause=0.02)
    except OSError as e:
        net.note("amanda data %s -> %s:%d: %r" % (src, dst, port, e))
        d.close()
    ls.close()


ACK = b"Amanda 2.6 ACK HANDLE 000-1 SEQ 1\n\n"


def _rep(line):
    return b"Amanda 2.6 REP HANDLE 000-1 SEQ 1\n" + line + b"\n"


@scenario(helper=dict(AMANDA), params={"amanda_port": 10080})
def amanda6(net, cap):
    """Amanda over IPv6 with the amanda helper, no NAT: the LAN backup server's REQ, the WAN client's ACK and REP with
    CONNECT DATA/MESG/INDEX (three TCP expectations), then the server's three connections (related)."""
    srv, cli, seen = amanda_exchange(net, C1_6, 850, SRV_6,
                                     [ACK, _rep(b"CONNECT DATA 50110 MESG 50111 INDEX 50112")])
    for p in _ports(seen[-1]):
        amanda_connect(net, C1_6, SRV_6, p, (SRV_6, p))
        _pause()
    srv.sendto(ACK, (SRV_6, 10080))
    _pause()


@scenario(helper=dict(AMANDA), params={"amanda_port": 10080}, **MASQ)
def amanda_hostile_masq(net, cap):
    """Odd Amanda answers through masquerade: an empty datagram (only the timeout is refreshed), CONNECT without a
    line end, keywords out of order with STATE, a port with leading zeros (rewritten without them), six digits
    (five read), 70000 (its low 16 bits), 65536 (read as 0: the search ends there), a second CONNECT line (only the
    first counts), then two answers of three ports each (four expected per connection: the oldest go); the server
    connects to the last answer's ports."""
    answers = [b"", _rep(b"CONNECT DATA 50120 MESG 50121").rstrip(b"\n"),
               _rep(b"CONNECT INDEX 50122 STATE 50123 DATA 50124"),
               _rep(b"CONNECT DATA 0050125 MESG 501266"),
               _rep(b"CONNECT DATA 70000 MESG 65536 INDEX 50127"),
               _rep(b"OPTIONS x;\nCONNECT DATA 50128\nCONNECT MESG 50129"),
               _rep(b"CONNECT DATA 50130 MESG 50131 INDEX 50132"),
               _rep(b"CONNECT DATA 50133 MESG 50134 INDEX 50135")]
    srv, cli, seen = amanda_exchange(net, C1, 851, SRV, answers)
    for p in _ports(seen[-1]):
        amanda_connect(net, C1, SRV, p, (SRV, p))
        _pause()
    srv.sendto(ACK, (SRV, 10080))
    _pause()


AMANDA_DNAT = ['iifname "wan" ip daddr 203.0.113.1 udp dport 10080 dnat ip to 198.51.100.20:10080']


@scenario(helper=dict(AMANDA), params={"amanda_port": 10080}, dnat=AMANDA_DNAT, nat_text={"dnat": AMANDA_DNAT})
def amanda_dnat(net, cap):
    """An Amanda client on the LAN (198.51.100.20) published by DNAT of udp 203.0.113.1:10080; the WAN backup server
    asks, the client's REP announces three ports (kept behind NAT), and the server's connections to the router's
    address at those ports are related and reach the client."""
    srv, cli, seen = amanda_exchange(net, SRV, 852, LSRV, [ACK, _rep(b"CONNECT DATA 50140 MESG 50141 INDEX 50142")],
                                     dst=RTR_WAN)
    for p in _ports(seen[-1]):
        amanda_connect(net, SRV, RTR_WAN, p, (LSRV, p))
        _pause()


# ---- SANE ---------------------------------------------------------------------------------------------------------

def _sane_request(code, handle=0):
    return struct.pack("!II", code, handle)


def _sane_reply(status, port, zero=0, rest=b"\0\0\0\x05ruser"):
    return struct.pack("!IHH", status, zero, port) + rest


class SanePuppet(Puppet):
    """A SANE client and saned, both scripted: SANE_NET_INIT, then what the scenario sends."""

    def __init__(self, net, src, cport, dst=SRV, server=None):
        super().__init__(net, src, cport, dst, 6566, server)
        # binary messages: the other end takes what one read brings
        self.done = lambda buf: len(buf) > 0
        self.exchange(struct.pack("!III", 0, 0x01000003, 4) + b"lab\0", struct.pack("!II", 0, 0x01000003))

    def exchange(self, request, reply):
        self.cmd(request)
        return self.reply(reply)

    def start(self, port, status=0, zero=0, rest=b"\0\0\0\x05ruser"):
        """SANE_NET_START and saned's reply naming ``port``; returns the reply as the client saw it."""
        return self.exchange(_sane_request(7, 1), _sane_reply(status, port, zero, rest))


def sane_data(net, client, server, port, listen_at, body=b"\x89PNG" + b"\0" * 3000):
    """The client fetches the image: it connects to (server, port), saned's side sends ``body`` and closes."""
    ls = net.tcp_listen(*listen_at)
    d = net.tcp_socket(client)
    d.settimeout(2)
    try:
        d.connect((server, port))
        a, _ = ls.accept()
        deliver(net, a, d, body)
        close_pair(a, d, pause=0.02)
    except OSError as e:
        net.note("sane data %s -> %s:%d: %r" % (client, server, port, e))
        d.close()
    ls.close()
    _pause()


@scenario(helper=SANE, params={"sane_port": 6566})
def sane6(net, cap):
    """SANE over IPv6 with the sane helper, no NAT: SANE_NET_INIT, SANE_NET_START answered with port 6610 (expected:
    2001:db8:1::10 -> 2001:db8:2::10 port 6610), the client's data connection (related), a second start."""
    s = SanePuppet(net, C1_6, 44600, dst=SRV_6)
    s.start(6610)
    sane_data(net, C1_6, SRV_6, 6610, (SRV_6, 6610))
    s.start(6611)
    sane_data(net, C1_6, SRV_6, 6611, (SRV_6, 6611))
    close_pair(s.c, s.s)


@scenario(helper=SANE, params={"sane_port": 6566}, **MASQ)
def sane_hostile_masq(net, cap):
    """Odd SANE exchanges through masquerade: a start refused (status 1), a reply whose second word is not zero, a
    short reply (6 bytes), a 9-byte request (not read) between a start and its reply, another 8-byte request after
    a start (the start is forgotten), a reply naming port 0 (expected as such), two starts in a row (one
    expectation per connection: the second replaces the first), and the data connection to the last port."""
    s = SanePuppet(net, C1, 44610)
    s.start(6620, status=1)
    s.start(6621, zero=1)
    s.exchange(_sane_request(7, 1), struct.pack("!IH", 0, 0))
    s.cmd(_sane_request(7, 1))
    s.cmd(b"\0\0\0\x0a\0\0\0\x01\0")
    s.reply(_sane_reply(0, 6622))
    s.cmd(_sane_request(7, 1))
    s.exchange(_sane_request(10, 1), _sane_reply(0, 6623))
    s.start(0)
    s.start(6624)
    s.start(6625)
    sane_data(net, C1, SRV, 6625, (SRV, 6625))
    close_pair(s.c, s.s)


SANE_DNAT = ['iifname "wan" ip daddr 203.0.113.1 tcp dport 6566 dnat ip to 198.51.100.20:6566']


@scenario(helper=SANE, params={"sane_port": 6566}, dnat=SANE_DNAT, nat_text={"dnat": SANE_DNAT})
def sane_dnat(net, cap):
    """saned on the LAN (198.51.100.20) published by DNAT of tcp 203.0.113.1:6566: the start's reply makes the
    expectation 203.0.113.30 -> 203.0.113.1 at the port, but SANE has no NAT part: the client's data connection is
    related, gets no DNAT and reaches the router itself, which refuses it."""
    s = SanePuppet(net, WCLI, 44620, dst=RTR_WAN, server=LSRV)
    s.start(6630)
    d = net.tcp_socket(WCLI)
    d.settimeout(1)
    try:
        d.connect((RTR_WAN, 6630))
    except OSError as e:
        net.note("sane data to the router: %r" % e)
    d.close()
    _pause()
    close_pair(s.c, s.s)


# ---- the reference cases again, with other hosts, ports, sizes and payloads ----------------------------------------

@scenario(helper=TFTP, prepare=lambda net: tftpd(net, "wan", SRV, ports=(50100, 50109)),
          params={"tftp_ports": [50100, 50109]}, **MASQ)
def tftp_masq_other(net, cap):
    """tftp_get_masq and tftp_put_dnat's kind through masquerade from the other LAN client (198.51.100.11), server
    ports 50100-50109: a get of 5000 bytes with blksize 1428 (four blocks), a put of 4097 bytes in 512-byte blocks
    (the last one 1 byte), then a get of 1800 bytes from the first client."""
    tftp_get(net, C2, 42010, SRV, b"big.bin", blksize=1428)
    _pause()
    tftp_put(net, C2, 42011, SRV, b"odd.bin", bytes((i * 5) & 0xFF for i in range(4097)))
    _pause()
    tftp_get(net, C1, 42012, SRV, b"small.bin")


@scenario(helper=IRC, params={"irc_port": 6667}, **MASQ)
def irc_dcc_masq_other(net, cap):
    """irc_dcc_masq's kind from the other LAN client (198.51.100.11) through masquerade: channel chatter, a DCC CHAT
    and a DCC SEND of a large file (sizes of 4 and 10 digits) rewritten to the router's address, the peer's two
    connections (related; 20 kB over the SEND), a DCC SEND naming the other LAN client (forged: no expectation)."""
    irc = IrcPuppet(net, C2, 43800)
    irc.cmd(b"JOIN #lab\r\n")
    irc.reply(b":alice!alice@lab JOIN #lab\r\n:irc.lab.test 353 alice = #lab :alice bob\r\n")
    irc.cmd(b"PRIVMSG #lab :hello, I am sending the report\r\n")
    own = b"%d" % _ip_number(C2)
    seen = irc.offer(_privmsg(b"CHAT", b"chat", own, b"6001", size=b""))
    dcc_connect(net, WCLI, seen, (C2, 6001), body=b"hi\n" * 20)
    seen = irc.offer(_privmsg(b"SEND", b"big-report.tar.gz", own, b"6002", size=b" 4294967295"))
    dcc_connect(net, WCLI, seen, (C2, 6002), body=b"\x1f\x8b" + bytes(range(256)) * 80)
    irc.offer(_privmsg(b"SEND", b"x", b"%d" % _ip_number(C1), b"6003"))
    irc.cmd(b"QUIT :done\r\n")
    close_pair(irc.c, irc.s)


@scenario(helper=dict(AMANDA), params={"amanda_port": 10080}, **MASQ)
def amanda_masq_other(net, cap):
    """amanda_masq's kind with the backup server on the other LAN client (198.51.100.11, port 860): the client's ACK,
    then a REP announcing all four ports (DATA, MESG, INDEX, STATE; four expectations, the policy's most), rewritten
    behind masquerade; the server connects to each (related) and receives a larger backup stream on DATA."""
    srv, cli, seen = amanda_exchange(net, C2, 860, SRV, [ACK, _rep(
        b"CONNECT DATA 40001 MESG 40002 INDEX 40003 STATE 40004\nOPTIONS features=ffff;")])
    for i, p in enumerate(_ports(seen[-1])):
        amanda_connect(net, C2, SRV, p, (SRV, p), body=(b"dump " * 1000) if i == 0 else b"x" * 10)
        _pause()
    srv.sendto(ACK, (SRV, 10080))
    _pause()


@scenario(helper=SANE, params={"sane_port": 6566}, **MASQ)
def sane_masq_other(net, cap):
    """sane_masq's kind from the other LAN client (198.51.100.11) through masquerade: two scans on one control
    connection (data ports 7001 and 7002, the second expectation after the first was used), 20 kB images, then a
    second control connection from the first client whose scan uses port 7001 again."""
    s = SanePuppet(net, C2, 44700)
    s.start(7001)
    sane_data(net, C2, SRV, 7001, (SRV, 7001), body=b"\x89PNG" + bytes(range(256)) * 80)
    s.start(7002)
    sane_data(net, C2, SRV, 7002, (SRV, 7002), body=b"\x89PNG" + b"\xff" * 20000)
    t = SanePuppet(net, C1, 44701)
    t.start(7001)
    sane_data(net, C1, SRV, 7001, (SRV, 7001))
    close_pair(s.c, s.s)
    close_pair(t.c, t.s)


@scenario(helper=dict(AMANDA), params={"amanda_port": 10080}, **MASQ)
def amanda_helper_removed_masq(net, cap):
    """The amanda helper taken out mid-session (nft -f: flush ruleset, then the same table without the ct helper
    object and its rule), through masquerade. Before: the server's REQ from 198.51.100.10:853, the REP announcing two
    ports (expected), a connection to the first (related). After: the same control connection keeps its helper: a
    second REP's ports are expected and the server's connection is related; a new control connection from port 854
    gets no helper: its REP makes no expectation and the server's connection is a new one."""
    srv, cli, seen = amanda_exchange(net, C1, 853, SRV, [ACK, _rep(b"CONNECT DATA 50150 MESG 50151")])
    amanda_connect(net, C1, SRV, _ports(seen[-1])[0], (SRV, 50150))
    srv.close()
    cli.close()
    cap.change_ruleset(ruleset(dict(masq=True)))
    _pause()
    srv, cli, seen = amanda_exchange(net, C1, 853, SRV, [_rep(b"CONNECT DATA 50152 MESG 50153")])
    amanda_connect(net, C1, SRV, _ports(seen[-1])[0], (SRV, 50152))
    srv.close()
    cli.close()
    srv, cli, seen = amanda_exchange(net, C1, 854, SRV, [_rep(b"CONNECT DATA 50154 MESG 50155")])
    amanda_connect(net, C1, SRV, _ports(seen[-1])[0], (SRV, 50154))
    srv.close()
    cli.close()
    _pause()


@scenario(helper=SANE, params={"sane_port": 6566}, **MASQ)
def sane_helper_removed_masq(net, cap):
    """The sane helper taken out mid-session (nft -f: flush ruleset, then the same table without the ct helper object
    and its rule), through masquerade. Before: a scan on port 7010 (expected, the data connection related). After:
    the same control connection keeps its helper: a scan on port 7011 is expected and its data connection related; a
    new control connection gets no helper: its scan on port 7012 makes no expectation and the data connection is a
    new one."""
    s = SanePuppet(net, C1, 44710)
    s.start(7010)
    sane_data(net, C1, SRV, 7010, (SRV, 7010))
    cap.change_ruleset(ruleset(dict(masq=True)))
    _pause()
    s.start(7011)
    sane_data(net, C1, SRV, 7011, (SRV, 7011))
    t = SanePuppet(net, C1, 44711)
    t.start(7012)
    sane_data(net, C1, SRV, 7012, (SRV, 7012))
    close_pair(s.c, s.s)
    close_pair(t.c, t.s)
