"""PPTP: the pptp helper (nf_conntrack_pptp, nf_nat_pptp) and the GRE tracker's key map. A PNS (client) and a PAC
(server) speak PPTP's control protocol over real TCP sockets on port 1723, one message per segment, both driven from
here: the PAC answers with the call IDs it actually received (after the router's rewriting). The call's data, PPP in
enhanced GRE (version 1, key = the receiver's call ID), is crafted with scapy; the hosts drop GRE at input (they have
no GRE endpoint), so only the router answers GRE (addressed to itself: protocol unreachable)."""
import socket
import struct
import time

from scapy.layers.inet import IP
from scapy.packet import Raw

from ..registry import scenario
from ..traffic import C1, C2, LSRV, RTR_WAN, SRV, WCLI
from .common import GAP, MASQ_TEXT, close_pair, dnat_and_masq, input_table

PORT = 1723
MAGIC = 0x1A2B3C4D
(SCCRQ, SCCRP, STOPCCRQ, STOPCCRP, ECHORQ, ECHORP, OCRQ, OCRP, ICRQ, ICRP, ICCN, CCRQ, CDN, WEN, SLI) = range(1, 16)
NAMES = {SCCRQ: "Start-Control-Connection-Request", SCCRP: "Start-Control-Connection-Reply",
         STOPCCRQ: "Stop-Control-Connection-Request", STOPCCRP: "Stop-Control-Connection-Reply",
         ECHORQ: "Echo-Request", ECHORP: "Echo-Reply", OCRQ: "Outgoing-Call-Request", OCRP: "Outgoing-Call-Reply",
         ICRQ: "Incoming-Call-Request", ICRP: "Incoming-Call-Reply", ICCN: "Incoming-Call-Connected",
         CCRQ: "Call-Clear-Request", CDN: "Call-Disconnect-Notify", WEN: "WAN-Error-Notify", SLI: "Set-Link-Info"}

# the helper object, as the reference case pptp_masq declares it
PPTP_HELPER = {"type": "pptp", "object": "pptp_h", "protocol": "tcp", "l3proto": "ip", "port": PORT}
PPTP_NAT = dict(helper=PPTP_HELPER, masq=True, nat_text=MASQ_TEXT)
DNAT_PPTP = ['iifname "wan" ip daddr 203.0.113.1 tcp dport 1723 dnat ip to 198.51.100.20']


def no_gre(net):
    """prepare: the hosts' kernels drop GRE at input (without it they would answer protocol unreachable)."""
    for side in ("lan", "wan"):
        net.host_nft(side, input_table("nogre", -300, "meta l4proto gre drop"))


# ================================================================================================ messages

def message(mtype, body, cookie=MAGIC, ptype=1, length=None):
    """A control message: the PPTP header (length, message type 1 = control, magic cookie), the control type."""
    return struct.pack(">HHIHH", 12 + len(body) if length is None else length, ptype, cookie, mtype, 0) + body


def _names(host):
    return host.ljust(64, b"\0") + b"conntrack4j kernellab".ljust(64, b"\0")


def sccrq():
    return message(SCCRQ, struct.pack(">HHIIHH", 0x0100, 0, 1, 1, 0, 1) + _names(b"pns"))


def sccrp(result=1):
    return message(SCCRP, struct.pack(">HBBIIHH", 0x0100, result, 0, 1, 1, 0, 1) + _names(b"pac"))


def ocrq(cid, serial):
    return message(OCRQ, struct.pack(">HHIIIIHHHH", cid, serial, 300, 100000000, 3, 3, 64, 0, 0, 0) + b"\0" * 128)


def ocrp(cid, peer, result=1):
    return message(OCRP, struct.pack(">HHBBHIHHI", cid, peer, result, 0, 0, 100000000, 64, 0, 0))


def icrq(cid, serial):
    return message(ICRQ, struct.pack(">HHIIHH", cid, serial, 1, 0, 0, 0) + b"\0" * 192)


def icrp(cid, peer, result=1):
    return message(ICRP, struct.pack(">HHBBHHH", cid, peer, result, 0, 64, 0, 0))


def iccn(peer):
    return message(ICCN, struct.pack(">HHIHHI", peer, 0, 100000000, 64, 0, 1))


def sli(peer):
    return message(SLI, struct.pack(">HHII", peer, 0, 0xFFFFFFFF, 0xFFFFFFFF))


def ccrq(cid):
    return message(CCRQ, struct.pack(">HH", cid, 0))


def cdn(cid, result=3):
    return message(CDN, struct.pack(">HBBHH", cid, result, 0, 0, 0) + b"\0" * 128)


def wen(peer):
    return message(WEN, struct.pack(">HH", peer, 0) + b"\0" * 24)


def echorq(ident):
    return message(ECHORQ, struct.pack(">I", ident))


def echorp(ident):
    return message(ECHORP, struct.pack(">IBBH", ident, 1, 0, 0))


def stopccrq():
    return message(STOPCCRQ, struct.pack(">BBH", 1, 0, 0))


def stopccrp():
    return message(STOPCCRP, struct.pack(">BBH", 1, 0, 0))


def gre(src, dst, call_id, seq=None, ack=None, payload=b"\xff\x03\xc0\x21\x01\x01\x00\x0e\x01\x04\x05\xdc\x05\x06"
        b"\x12\x34", ip_id=1):
    """Enhanced GRE (RFC 2637 4.1): flags K (key present), S and A as given, version 1, PPP, payload length and
    call ID in the key field."""
    flags = 0x2001 | (0x1000 if seq is not None else 0) | (0x0080 if ack is not None else 0)
    hdr = struct.pack(">HHHH", flags, 0x880B, len(payload), call_id)
    if seq is not None:
        hdr += struct.pack(">I", seq)
    if ack is not None:
        hdr += struct.pack(">I", ack)
    return IP(src=src, dst=dst, proto=47, id=ip_id) / Raw(hdr + payload)


# ================================================================================================ a control session

class Session:
    """One control connection: PNS socket ``c`` (on the LAN or WAN host), PAC socket ``s``. ``to`` is where the PNS
    connects (the PAC itself, or the router behind DNAT)."""

    def __init__(self, net, pns, cport, pac, to=None):
        self.net = net
        listener = net.tcp_listen(pac, PORT)
        self.c, self.s = net.tcp_pair(pns, cport, to or pac, PORT, listener=listener)
        listener.close()
        for so in (self.c, self.s):
            so.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pac_saw = None     # the PNS call ID as the PAC received it
        self.pns_saw = None     # the peer call ID as the PNS received it
        time.sleep(GAP)

    def _read(self, so):
        head = self.net.recv_exact(so, 12)
        length, _, _, mtype, _ = struct.unpack(">HHIHH", head)
        body = self.net.recv_exact(so, max(0, length - 12))
        return mtype, body

    def pns(self, data, note=None):
        """The PNS sends; the PAC reads one message; returns (type, body) as the PAC saw it."""
        self.c.sendall(data)
        got = self._read(self.s)
        if note:
            self.net.note(note % self._fields(got))
        time.sleep(GAP)
        return got

    def pac_says(self, data, note=None):
        self.s.sendall(data)
        got = self._read(self.c)
        if note:
            self.net.note(note % self._fields(got))
        time.sleep(GAP)
        return got

    @staticmethod
    def _fields(got):
        mtype, body = got
        a, b = struct.unpack(">HH", body[:4]) if len(body) >= 4 else (0, 0)
        return {"name": NAMES.get(mtype, "type %d" % mtype), "first": a, "second": b}

    def start(self):
        self.pns(sccrq())
        self.pac_says(sccrp())

    def call(self, pns_cid, pac_cid, serial):
        """Outgoing-Call-Request and -Reply: the PAC answers with the call ID it saw as the peer's."""
        mtype, body = self.pns(ocrq(pns_cid, serial), "%(name)s with PNS call ID " + str(pns_cid)
                               + ": the PAC saw %(first)d")
        self.pac_saw = struct.unpack(">H", body[:2])[0]
        _, body = self.pac_says(ocrp(pac_cid, self.pac_saw), "%(name)s call ID " + str(pac_cid)
                                + ": the PNS saw peer call ID %(second)d")
        self.pns_saw = struct.unpack(">H", body[2:4])[0]
        return self.pac_saw

    def link_info(self, pac_cid):
        self.pns(sli(pac_cid), "%(name)s from the PNS: the PAC saw peer call ID %(first)d")
        self.pac_says(sli(self.pac_saw), "%(name)s from the PAC: the PNS saw peer call ID %(first)d")

    def clear(self, pns_cid, pac_cid):
        self.pns(ccrq(pns_cid), "%(name)s with call ID " + str(pns_cid) + ": the PAC saw %(first)d")
        self.pac_says(cdn(pac_cid), "%(name)s with call ID " + str(pac_cid) + ": the PNS saw %(first)d")

    def stop(self):
        self.pns(stopccrq())
        self.pac_says(stopccrp())

    def close(self):
        close_pair(self.c, self.s)
        time.sleep(GAP)


def data(net, pns, pac, pns_key, pac_key, n=3, first="pns", to_pns=None, ids=(3000, 5000)):
    """``n`` GRE packets each way: PNS -> PAC with the PAC's call ID, PAC -> PNS (or ``to_pns``: where the PAC
    sends them, the router behind NAT) with the call ID the PAC knows the PNS by."""
    for i in range(n):
        one = gre(pns, pac, pac_key, seq=i, ack=i - 1 if i else None, ip_id=ids[0] + i)
        two = gre(pac, to_pns or pns, pns_key, seq=i, ack=i, ip_id=ids[1] + i,
                  payload=b"\xff\x03\x00\x21" + bytes(range(10 + 5 * i)))
        for p in ((one, two) if first == "pns" else (two, one)):
            net.send(p)
            time.sleep(GAP)


# ================================================================================================ scenarios

@scenario(helper=PPTP_HELPER, prepare=no_gre, params={"cport": 41810, "pns_cid": 512, "pac_cid": 7001,
                                                       "in_pac_cid": 7002, "in_pns_cid": 513})
def pptp_nonat(net, cap):
    """PPTP with the pptp helper and no NAT: start, an outgoing call (Outgoing-Call-Reply creates the two GRE
    expectations), Set-Link-Info both ways, GRE from the PAC first (3 each way), Echo both ways, a GRE packet from
    the PAC with an unknown key (an entry with srckey 0, forwarded), Call-Clear-Request and Call-Disconnect-Notify
    (the GRE entry is destroyed); then an incoming call (Incoming-Call-Request, -Reply, -Connected: expectations
    again), GRE both ways, WAN-Error-Notify, Call-Disconnect-Notify; stop and close."""
    s = Session(net, C1, 41810, SRV)
    s.start()
    s.call(512, 7001, 1)
    cap.expect_snapshot("after Outgoing-Call-Reply")
    s.link_info(7001)
    data(net, C1, SRV, 512, 7001, first="pac")
    s.pns(echorq(11))
    s.pac_says(echorp(11))
    s.pac_says(echorq(12))
    s.pns(echorp(12))
    net.send(gre(SRV, C1, 0xBEEF, seq=7, ip_id=5900))
    time.sleep(GAP)
    s.clear(512, 7001)
    # an incoming call: the PAC announces it, the PNS answers, the PAC confirms
    s.pac_says(icrq(7002, 2), "%(name)s with PAC call ID %(first)d")
    s.pns(icrp(513, 7002), "%(name)s with PNS call ID %(first)d, peer %(second)d as the PAC saw them")
    s.pac_says(iccn(513), "%(name)s with peer call ID %(first)d as the PNS saw it")
    cap.expect_snapshot("after Incoming-Call-Connected")
    data(net, C1, SRV, 513, 7002, n=2, ids=(3100, 5100))
    s.pac_says(wen(513))
    s.pac_says(cdn(7002))
    s.stop()
    s.close()


@scenario(prepare=no_gre, params={"cports": [41820, 41821, 41822], "pns_cid": 257,
                                  "pac_cids": [16385, 16386, 16387]}, **PPTP_NAT)
def pptp_calls(net, cap):
    """Three PPTP sessions at once through masquerade, each with one call and the same PNS call ID 257 (PNS
    software counts from the same start): two from one LAN host to one PAC, one from another LAN host to a second
    PAC address. nf_nat_pptp gives each call the masqueraded TCP source port as call ID; the PACs assign 16385,
    16386, 16387. GRE interleaved between the calls; the second call is cleared while the others go on; then
    every session is stopped and closed."""
    pacs = (SRV, SRV, WCLI)
    pnss = (C1, C1, C2)
    ports = (41820, 41821, 41822)
    sessions = [Session(net, pnss[i], ports[i], pacs[i]) for i in range(3)]
    for s in sessions:
        s.start()
    for i, s in enumerate(sessions):
        s.call(257, 16385 + i, 10 + i)
    cap.expect_snapshot("after the three Outgoing-Call-Replies")
    for i, s in enumerate(sessions):
        s.link_info(16385 + i)
    for k in range(2):
        for i, s in enumerate(sessions):
            net.send(gre(pnss[i], pacs[i], 16385 + i, seq=k, ip_id=3000 + 10 * i + k))
            time.sleep(GAP)
            net.send(gre(pacs[i], RTR_WAN, s.pac_saw, seq=k, ack=k, ip_id=5000 + 10 * i + k))
            time.sleep(GAP)
    sessions[1].clear(257, 16386)
    for i in (0, 2):
        net.send(gre(pnss[i], pacs[i], 16385 + i, seq=2, ack=1, ip_id=3002 + 10 * i))
        time.sleep(GAP)
        net.send(gre(pacs[i], RTR_WAN, sessions[i].pac_saw, seq=2, ack=2, ip_id=5002 + 10 * i))
        time.sleep(GAP)
    # the cleared call's key from its PAC again: no call, no entry of its own any more
    net.send(gre(SRV, RTR_WAN, sessions[1].pac_saw, seq=3, ip_id=5013))
    time.sleep(GAP)
    for i in (0, 2):
        sessions[i].clear(257, 16385 + i)
    for s in sessions:
        s.stop()
    for s in sessions:
        s.close()


@scenario(prepare=no_gre, params={"cport": 41830, "pns_cid": 1025, "pac_cid": 16400},
          **dnat_and_masq(DNAT_PPTP, helper=PPTP_HELPER))
def pptp_dnat(net, cap):
    """A PAC on the LAN behind DNAT (203.0.113.1:1723 to 198.51.100.20), a PNS on the WAN (203.0.113.30): the PNS
    call ID is replaced by the PNS's TCP source port (the control connection's reply destination port) and mapped
    back in the replies; the PAC sends the first GRE packet (the reply-direction expectation), its GRE keys to the
    PNS are rewritten back to the PNS's call ID; the GRE entry is bound by the expectation, not by the masquerade
    rule. Clear, disconnect, stop, close."""
    s = Session(net, WCLI, 41830, LSRV, to=RTR_WAN)
    s.start()
    s.call(1025, 16400, 3)
    cap.expect_snapshot("after Outgoing-Call-Reply")
    s.link_info(16400)
    for i in range(3):
        net.send(gre(LSRV, WCLI, s.pac_saw, seq=i, ack=i - 1 if i else None, ip_id=5000 + i))
        time.sleep(GAP)
        net.send(gre(WCLI, RTR_WAN, 16400, seq=i, ack=i, ip_id=3000 + i))
        time.sleep(GAP)
    s.clear(1025, 16400)
    s.stop()
    s.close()


@scenario(prepare=no_gre, params={"cport": 41840, "pns_cid": 257, "pac_cid": 16385}, **PPTP_NAT)
def pptp_callid_reuse(net, cap):
    """Call IDs used again through masquerade: a call (PNS 257, PAC 16385) with GRE both ways is cleared and
    disconnected (its GRE entry destroyed); a second call in the same session with the same PNS call ID, and the
    PAC giving the same call ID 16385 again, whose Outgoing-Call-Reply the PAC sends twice (the second replaces
    the expectations); GRE both ways makes a new entry with the old tuples; clear, disconnect, stop, close."""
    s = Session(net, C1, 41840, SRV)
    s.start()
    s.call(257, 16385, 21)
    data(net, C1, SRV, s.pac_saw, 16385, n=2, to_pns=RTR_WAN)
    s.clear(257, 16385)
    s.call(257, 16385, 22)
    s.pac_says(ocrp(16385, s.pac_saw), "%(name)s sent again: the PNS saw peer call ID %(second)d")
    cap.expect_snapshot("after the second Outgoing-Call-Reply, twice")
    data(net, C1, SRV, s.pac_saw, 16385, n=2, to_pns=RTR_WAN, ids=(3100, 5100))
    s.clear(257, 16385)
    s.stop()
    s.close()


@scenario(helper=PPTP_HELPER, prepare=no_gre, params={"cport": 41850, "pns_cids": [257, 258, 259],
                                                       "pac_cids": [16385, 16385, 16386]})
def pptp_second_call(net, cap):
    """A second and a third call in one session while the first is up, no NAT (Linux's helper keeps one call per
    session): call 1 (PNS 257, PAC 16385) with GRE both ways; call 2 (PNS 258) answered with the PAC's call ID 16385
    again: its expectations are made and removed again as the GRE key map refuses the new mapping; GRE of call 1 in
    both directions; call 3 (PNS 259, PAC 16386); GRE of call 1 again and of call 3; Call-Disconnect-Notify; GRE
    of call 1 once more; stop and close."""
    s = Session(net, C1, 41850, SRV)
    s.start()
    s.call(257, 16385, 31)
    data(net, C1, SRV, 257, 16385, n=2)
    s.call(258, 16385, 32)
    cap.expect_snapshot("after the second Outgoing-Call-Reply")
    data(net, C1, SRV, 257, 16385, n=1, ids=(3100, 5100))
    s.call(259, 16386, 33)
    cap.expect_snapshot("after the third Outgoing-Call-Reply")
    data(net, C1, SRV, 257, 16385, n=1, ids=(3200, 5200))
    data(net, C1, SRV, 259, 16386, n=2, ids=(3300, 5300))
    s.pac_says(cdn(16386))
    data(net, C1, SRV, 257, 16385, n=1, ids=(3400, 5400))
    s.stop()
    s.close()


@scenario(prepare=no_gre, params={"cport": 41860, "pns_cid": 300, "pac_cid": 16500}, **PPTP_NAT)
def pptp_hostile(net, cap):
    """Hostile control messages through masquerade, each read (or not) by the helper as Linux does: an
    Outgoing-Call-Request with a wrong magic cookie and one of packet type 2 (not control messages: passed as they
    are), message types 0 and 99, a Stop-Control-Connection-Reply before any request (not valid then), an
    Outgoing-Call-Request cut after 40 bytes (too short: not read, nor its rest, nor the PAC's reply to it),
    Set-Link-Info from the PAC before any call (its peer call ID rewritten to 0), two messages in one segment (only
    the first read), an oversized Outgoing-Call-Request (read by its fixed part), a reply naming another call (not
    read) and then the right one, four more replies with other call IDs (each expectation pair made and removed:
    the key map refuses), crafted GRE that is not PPP and GRE cut after 6 bytes, GRE both ways, a
    Call-Disconnect-Notify naming another call (the call ends all the same), stop and close."""
    s = Session(net, C1, 41860, SRV)
    s.start()
    body = ocrq(300, 1)[12:]
    s.pns(message(OCRQ, body, cookie=0xDEADBEEF), "%(name)s with a wrong magic cookie: the PAC saw %(first)d")
    s.pns(message(OCRQ, body, ptype=2), "%(name)s of packet type 2: the PAC saw %(first)d")
    s.pns(message(0, b"\0" * 16))
    s.pac_says(message(99, b"\0" * 16))
    s.pac_says(stopccrp())
    cut = ocrq(301, 2)
    s.c.sendall(cut[:40])
    time.sleep(GAP)
    s.c.sendall(cut[40:])
    got = s._read(s.s)
    net.note("Outgoing-Call-Request cut after 40 bytes: the PAC saw call ID %d" % struct.unpack(">H", got[1][:2]))
    time.sleep(GAP)
    s.pac_says(ocrp(16499, 301), "%(name)s to the cut request: the PNS saw peer call ID %(second)d")
    s.pac_says(sli(301), "%(name)s from the PAC before any call: the PNS saw peer call ID %(first)d")
    s.c.sendall(sli(16499) + echorq(5))
    s._read(s.s)
    s._read(s.s)
    time.sleep(GAP)
    big = message(OCRQ, ocrq(300, 3)[12:] + b"\x55" * 100)
    s.pac_saw = struct.unpack(">H", s.pns(big, "oversized %(name)s: the PAC saw call ID %(first)d")[1][:2])[0]
    s.pac_says(ocrp(16500, 999), "%(name)s naming call 999: the PNS saw peer call ID %(second)d")
    s.pac_says(ocrp(16500, s.pac_saw), "%(name)s: the PNS saw peer call ID %(second)d")
    cap.expect_snapshot("after the Outgoing-Call-Reply")
    for k in range(4):
        s.pac_says(ocrp(16501 + k, s.pac_saw))
    net.send(IP(src=C1, dst=SRV, proto=47, id=2900) / Raw(struct.pack(">HHHH", 0x2001, 0x0800, 4, 16500) + b"\x45" * 4))
    time.sleep(GAP)
    net.send(IP(src=C1, dst=SRV, proto=47, id=2901) / Raw(struct.pack(">HHH", 0x2001, 0x880B, 4)))
    time.sleep(GAP)
    data(net, C1, SRV, s.pac_saw, 16500, n=2, to_pns=RTR_WAN)
    s.pac_says(cdn(4242), "%(name)s naming call 4242: the PNS saw %(first)d")
    s.stop()
    s.close()


@scenario(prepare=no_gre, params={"cports": [41870, 41871], "pns_cid": 257, "pac_cids": [16385, 16386]}, **PPTP_NAT)
def pptp_helper_removed(net, cap):
    """The pptp helper taken away mid-call, as when its module is unloaded (the router's helpers are built in: each
    control connection's helper is removed through ctnetlink, a helper of empty name; case.json "operations"):
    through masquerade, session 1 (PNS call 257, PAC 16385) with GRE flowing both ways, session 2 (PAC 16386) whose
    expectations wait. Then the helper goes from both: session 2's expectations are destroyed, nothing else. Session
    1's GRE goes on, translated by its own binding and keys; its Set-Link-Info and Call-Clear-Request are no longer
    rewritten, its Call-Disconnect-Notify no longer destroys the GRE entry; session 2's GRE finds no expectation.
    Stop and close both: the GRE entries stay."""
    a = Session(net, C1, 41870, SRV)
    a.start()
    a.call(257, 16385, 41)
    data(net, C1, SRV, a.pac_saw, 16385, n=3, to_pns=RTR_WAN)
    b = Session(net, C2, 41871, SRV)
    b.start()
    b.call(257, 16386, 42)
    cap.expect_snapshot("after session 2's Outgoing-Call-Reply")
    net.remove_helper(C1, 41870, SRV, PORT)
    net.remove_helper(C2, 41871, SRV, PORT)
    net.note("helper removed from both control connections (ctnetlink)")
    time.sleep(GAP)
    cap.expect_snapshot("after the helper was removed")
    data(net, C1, SRV, a.pac_saw, 16385, n=2, to_pns=RTR_WAN, ids=(3100, 5100))
    a.pac_says(sli(a.pac_saw), "%(name)s from the PAC: the PNS saw peer call ID %(first)d")
    net.send(gre(SRV, RTR_WAN, b.pac_saw, seq=0, ip_id=5200))
    time.sleep(GAP)
    net.send(gre(C2, SRV, 16386, seq=0, ip_id=3200))
    time.sleep(GAP)
    a.clear(257, 16385)
    data(net, C1, SRV, a.pac_saw, 16385, n=1, to_pns=RTR_WAN, ids=(3300, 5300))
    a.stop()
    b.stop()
    a.close()
    b.close()


@scenario(prepare=no_gre, forward=("accept", ["ip protocol gre ct state related drop"]),
          params={"cport": 41880, "pns_cid": 257, "pac_cid": 16385}, **PPTP_NAT)
def pptp_gre_dropped(net, cap):
    """The call's first GRE packet dropped by the forward chain (ip protocol gre ct state related drop), through
    masquerade: the packet's connection is never confirmed; it took its expectation with it and the other one away,
    and as it is freed Linux destroys its master's GRE key map entries (destroy_gre_conntrack). The call's next GRE
    packets get source key 0: new entries of their own, not translated. Then a Call-Disconnect-Notify, stop,
    close."""
    s = Session(net, C1, 41880, SRV)
    s.start()
    s.call(257, 16385, 51)
    data(net, C1, SRV, s.pac_saw, 16385, n=2, to_pns=RTR_WAN)
    s.pac_says(cdn(16385))
    s.stop()
    s.close()
