"""SIP: the sip helper (nf_conntrack_sip, nf_nat_sip) over UDP and TCP. Phones, proxies and a PBX are real UDP (or
TCP) sockets in the host namespaces driven from here; each side answers with what it actually received (after the router's rewriting),
so the recording shows what the kernel wrote. Media is a few RTP-sized datagrams on the negotiated ports."""
import re
import time

from ..registry import scenario
from ..traffic import C1, C1_6, LSRV, RTR_WAN, SRV, SRV_6, WCLI
from .common import GAP, MASQ_TEXT, Puppet, dnat_and_masq

PORT = 5060
SIP_HELPER = {"type": "sip", "object": "sip_h", "protocol": "udp", "l3proto": "ip", "port": PORT}
SIP_HELPER_INET = dict(SIP_HELPER, l3proto="inet")
SIP_NAT = dict(helper=SIP_HELPER, masq=True, nat_text=MASQ_TEXT)
SIP_TCP_HELPER = dict(SIP_HELPER, object="sip_t", protocol="tcp")
DNAT_PBX = ['iifname "wan" ip daddr 203.0.113.1 udp dport 5060 dnat ip to 198.51.100.20']


def sdp(user, addr, port, version=1, family="IP4"):
    return ("v=0\r\no=%s %d %d IN %s %s\r\ns=kernellab call\r\nc=IN %s %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
            % (user, version, version, family, addr, family, addr, port))


def msg(start, headers, body=""):
    """A SIP message: start line, headers, Content-Length of the body, the body."""
    return ("%s\r\n%s\r\nContent-Length: %d\r\n\r\n%s" % (start, "\r\n".join(headers), len(body), body)).encode()


def header(text, name):
    """The value of the first header ``name`` in a received message."""
    for line in text.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def response(received, code, reason, body="", contact=None):
    """A response to a received request: its Via, From, To (with a tag), Call-ID and CSeq echoed."""
    text = received.decode()
    hs = ["Via: " + header(text, "Via"), "From: " + header(text, "From"),
          "To: " + header(text, "To") + ("" if ";tag=" in header(text, "To") else ";tag=kl%d" % code),
          "Call-ID: " + header(text, "Call-ID"), "CSeq: " + header(text, "CSeq")]
    if contact:
        hs.append("Contact: " + contact)
    if body:
        hs.append("Content-Type: application/sdp")
    return msg("SIP/2.0 %d %s" % (code, reason), hs, body)


def send(net, src, dst, data, to):
    """``src`` sends ``data`` to ``to``; ``dst`` receives it; returns (what arrived, from where)."""
    src.sendto(data, to)
    got, peer = dst.recvfrom(65535)
    net.note("%s received from %s:%d:\n%s" % (dst.getsockname()[0], peer[0], peer[1], got.decode()))
    time.sleep(GAP)
    return got, peer


def media(a, b, a_to, b_to, n=2):
    """RTP-sized datagrams both ways, ``b`` first (the answerer's media usually arrives first)."""
    for _ in range(n):
        b.sendto(b"\x80" + b"\0" * 171, b_to)
        a.recvfrom(2048)
        a.sendto(b"\x80" + b"\0" * 171, a_to)
        b.recvfrom(2048)
        time.sleep(0.02)


def dialog(user, peer_user, phone, phone_port, proxy, cseq, method, body="", call_id="kl1", tag="t1", transport="UDP"):
    """A request of the phone's dialog to the proxy."""
    hs = ["Via: SIP/2.0/%s %s:%d;branch=z9hG4bK%s%d;rport" % (transport, phone, phone_port, method.lower(), cseq),
          "Max-Forwards: 70", 'From: "%s" <sip:%s@%s>;tag=%s' % (user, user, phone, tag),
          "To: <sip:%s@%s>" % (peer_user, proxy), "Call-ID: %s@%s" % (call_id, phone),
          "CSeq: %d %s" % (cseq, method),
          "Contact: <sip:%s@%s:%d%s>" % (user, phone, phone_port, "" if transport == "UDP" else ";transport=tcp")]
    if body:
        hs.append("Content-Type: application/sdp")
    return msg("%s sip:%s@%s SIP/2.0" % (method, peer_user, proxy), hs, body)


@scenario(params={"sip_rtp_c": 49170, "sip_rtp_s": 30000, "sip_rtp_c2": 49180, "sip_rtp_s2": 30010},
          **SIP_NAT)
def sip_reinvite_masq(net, cap):
    """A phone on the LAN calls a proxy on the WAN through masquerade (INVITE/200/ACK with SDP, media both ways),
    then re-INVITEs with a new media port (the proxy answers with a new port too), media on the new ports, BYE.
    The re-INVITE flushes the first call's unused expectations and expects the new ports."""
    phone = net.udp_socket(C1, PORT)
    proxy = net.udp_socket(SRV, PORT)
    got, at = send(net, phone, proxy, dialog("alice", "bob", C1, PORT, SRV, 1, "INVITE", sdp("alice", C1, 49170)),
                   (SRV, PORT))
    send(net, proxy, phone, response(got, 200, "OK", sdp("bob", SRV, 30000), "<sip:bob@%s>" % SRV), at)
    send(net, phone, proxy, dialog("alice", "bob", C1, PORT, SRV, 1, "ACK"), (SRV, PORT))
    pr = net.udp_socket(C1, 49170)
    sr = net.udp_socket(SRV, 30000)
    media(pr, sr, (SRV, 30000), (RTR_WAN, 49170))
    got, at = send(net, phone, proxy, dialog("alice", "bob", C1, PORT, SRV, 2, "INVITE",
                                             sdp("alice", C1, 49180, version=2)), (SRV, PORT))
    send(net, proxy, phone, response(got, 200, "OK", sdp("bob", SRV, 30010, version=2), "<sip:bob@%s>" % SRV), at)
    send(net, phone, proxy, dialog("alice", "bob", C1, PORT, SRV, 2, "ACK"), (SRV, PORT))
    pr2 = net.udp_socket(C1, 49180)
    sr2 = net.udp_socket(SRV, 30010)
    media(pr2, sr2, (SRV, 30010), (RTR_WAN, 49180))
    got, at = send(net, phone, proxy, dialog("alice", "bob", C1, PORT, SRV, 3, "BYE"), (SRV, PORT))
    send(net, proxy, phone, response(got, 200, "OK"), at)


@scenario(params={"sip_rtp_c": 49200}, **SIP_NAT)
def sip_cancel_masq(net, cap):
    """A phone calls through masquerade (INVITE with SDP, 100 Trying, 180 Ringing) and gives up: CANCEL and its 200,
    487 Request Terminated to the INVITE (which flushes the call's media expectations), ACK."""
    phone = net.udp_socket(C1, PORT)
    proxy = net.udp_socket(SRV, PORT)
    invite = dialog("alice", "bob", C1, PORT, SRV, 1, "INVITE", sdp("alice", C1, 49200))
    got, at = send(net, phone, proxy, invite, (SRV, PORT))
    send(net, proxy, phone, response(got, 100, "Trying"), at)
    send(net, proxy, phone, response(got, 180, "Ringing"), at)
    cancel, _ = send(net, phone, proxy, dialog("alice", "bob", C1, PORT, SRV, 1, "CANCEL"), (SRV, PORT))
    send(net, proxy, phone, response(cancel, 200, "OK"), at)
    send(net, proxy, phone, response(got, 487, "Request Terminated"), at)
    send(net, phone, proxy, dialog("alice", "bob", C1, PORT, SRV, 1, "ACK"), (SRV, PORT))


@scenario(params={"sip_rtp_c": 40000, "sip_rtp_s": 20000},
          **dnat_and_masq(DNAT_PBX, helper=SIP_HELPER))
def sip_dnat_pbx(net, cap):
    """A PBX on the LAN behind DNAT of the router's port 5060: a WAN phone calls it (INVITE with SDP, 200 with the
    PBX's SDP, ACK), media both ways (the phone's first), BYE from the PBX. nf_nat_sip rewrites the PBX's address in
    its answer and SDP to the router's, and the media come in related."""
    wphone = net.udp_socket(WCLI, PORT)
    pbx = net.udp_socket(LSRV, PORT)
    got, at = send(net, wphone, pbx, dialog("carol", "pbx", WCLI, PORT, RTR_WAN, 1, "INVITE",
                                            sdp("carol", WCLI, 40000)), (RTR_WAN, PORT))
    send(net, pbx, wphone, response(got, 200, "OK", sdp("pbx", LSRV, 20000), "<sip:pbx@%s>" % LSRV), at)
    send(net, wphone, pbx, dialog("carol", "pbx", WCLI, PORT, RTR_WAN, 1, "ACK"), (RTR_WAN, PORT))
    wm = net.udp_socket(WCLI, 40000)
    pm = net.udp_socket(LSRV, 20000)
    media(pm, wm, (WCLI, 40000), (RTR_WAN, 20000))
    bye = msg("BYE sip:carol@%s:%d SIP/2.0" % (WCLI, PORT),
              ["Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKbye" % (LSRV, PORT), "From: <sip:pbx@%s>;tag=kl200" % LSRV,
               "To: <sip:carol@%s>;tag=t1" % WCLI, "Call-ID: kl1@%s" % WCLI, "CSeq: 7 BYE"])
    got, at = send(net, pbx, wphone, bye, at)
    send(net, wphone, pbx, response(got, 200, "OK"), (RTR_WAN, PORT))


@scenario(params={"sip_rtp_c": 49300, "sip_rtp_s": 30300}, helper=SIP_HELPER_INET)
def sip_invite_ipv6(net, cap):
    """SIP over IPv6 without NAT: INVITE with SDP (c=IN IP6), 200 with SDP, ACK, media both ways, BYE; the helper
    expects RTP and RTCP for both sides' IPv6 media addresses."""
    phone = net.udp_socket(C1_6, PORT)
    proxy = net.udp_socket(SRV_6, PORT)
    got, at = send(net, phone, proxy, dialog("alice", "bob", "[%s]" % C1_6, PORT, "[%s]" % SRV_6, 1, "INVITE",
                                             sdp("alice", C1_6, 49300, family="IP6")), (SRV_6, PORT))
    send(net, proxy, phone, response(got, 200, "OK", sdp("bob", SRV_6, 30300, family="IP6"),
                                     "<sip:bob@[%s]>" % SRV_6), at[:2])
    send(net, phone, proxy, dialog("alice", "bob", "[%s]" % C1_6, PORT, "[%s]" % SRV_6, 1, "ACK"), (SRV_6, PORT))
    pr = net.udp_socket(C1_6, 49300)
    sr = net.udp_socket(SRV_6, 30300)
    media(pr, sr, (SRV_6, 30300), (C1_6, 49300))
    got, at = send(net, phone, proxy, dialog("alice", "bob", "[%s]" % C1_6, PORT, "[%s]" % SRV_6, 2, "BYE"),
                   (SRV_6, PORT))
    send(net, proxy, phone, response(got, 200, "OK"), at[:2])


def whole_messages(buf):
    """Does ``buf`` hold whole SIP messages only, each ended by as much body as its Content-Length says?"""
    rest = buf
    while rest:
        head, sep, tail = rest.partition(b"\r\n\r\n")
        if not sep:
            return False
        m = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)", head)
        n = int(m.group(1)) if m else 0
        if len(tail) < n:
            return False
        rest = tail[n:]
    return bool(buf)


@scenario(params={"sip_rtp_c": 49400, "sip_rtp_s": 30400}, helper=SIP_TCP_HELPER, masq=True, nat_text=MASQ_TEXT)
def sip_tcp_masq(net, cap):
    """SIP over TCP through masquerade, every send one segment: the phone's INVITE with SDP (Via, From, Contact, o=,
    c= and Content-Length rewritten: several changes in one segment, one sequence adjustment), the proxy's 100 Trying
    and 200 OK with SDP together in one segment (two messages, each rewritten back), ACK, media both ways, BYE and
    its 200 (again two changes each way), then both ends close. The acknowledgements show the adjustments."""
    p = Puppet(net, C1, 5070, SRV, PORT)
    p.done = whole_messages
    got = p.cmd(dialog("alice", "bob", C1, 5070, SRV, 1, "INVITE", sdp("alice", C1, 49400), transport="TCP"))
    time.sleep(GAP)
    p.reply(response(got, 100, "Trying") + response(got, 200, "OK", sdp("bob", SRV, 30400),
                                                      "<sip:bob@%s;transport=tcp>" % SRV))
    time.sleep(GAP)
    p.cmd(dialog("alice", "bob", C1, 5070, SRV, 1, "ACK", transport="TCP"))
    time.sleep(GAP)
    pr = net.udp_socket(C1, 49400)
    sr = net.udp_socket(SRV, 30400)
    media(pr, sr, (SRV, 30400), (RTR_WAN, 49400))
    got = p.cmd(dialog("alice", "bob", C1, 5070, SRV, 2, "BYE", transport="TCP"))
    time.sleep(GAP)
    p.reply(response(got, 200, "OK"))
    time.sleep(GAP)
    p.c.close()
    time.sleep(GAP)
    p.s.close()
    time.sleep(GAP)


@scenario(params={"sip_port": PORT}, helper=SIP_TCP_HELPER, masq=True, nat_text=MASQ_TEXT)
def sip_tcp_framing_masq(net, cap):
    """How sip_help_tcp frames messages, through masquerade, each send one segment: an OPTIONS whose Content-Length is
    2^32 (beyond the segment: not read), two OPTIONS with a message without Content-Length between them (sought in
    the rest of the segment: the first two read as one), a complete OPTIONS followed by a message without
    Content-Length at the end (the rest passes unread), and an INVITE cut after its headers whose body follows in
    the next segment (a message continuing later: the segment passes unread, and so does the next)."""
    p = Puppet(net, C1, 5071, SRV, PORT)
    p.done = whole_messages

    def options(cseq, clen=None):
        text = dialog("alice", "bob", C1, 5071, SRV, cseq, "OPTIONS", transport="TCP")
        return text if clen is None else text.replace(b"Content-Length: 0", b"Content-Length: " + clen)

    bare = ("OPTIONS sip:bob@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s:5071\r\nCSeq: 9 OPTIONS\r\n\r\n" % (SRV, C1)).encode()
    p.done = lambda buf: buf.endswith(b"\r\n\r\n")
    p.cmd(options(1, b"4294967296"))
    time.sleep(GAP)
    p.cmd(options(2) + bare + options(3))
    time.sleep(GAP)
    p.cmd(options(4) + bare)
    time.sleep(GAP)
    invite = dialog("alice", "bob", C1, 5071, SRV, 5, "INVITE", sdp("alice", C1, 49500), transport="TCP")
    cut = invite.index(b"\r\n\r\n") + 4
    p.done = lambda buf: len(buf) >= cut
    p.cmd(invite[:cut])
    time.sleep(GAP)
    p.done = lambda buf: len(buf) > 0
    p.cmd(invite[cut:])
    time.sleep(GAP)
    p.c.close()
    time.sleep(GAP)
    p.s.close()
    time.sleep(GAP)


def offer(net, src, dst, data, to, wait=0.3):
    """``src`` sends ``data`` to ``to``; returns what ``dst`` received, or None when the router dropped it."""
    src.sendto(data, to)
    dst.settimeout(wait)
    try:
        got, _ = dst.recvfrom(65535)
    except OSError:
        got = None
    dst.settimeout(2)
    net.note("%r -> %s" % (data[:40], "dropped" if got is None else "%d bytes" % len(got)))
    time.sleep(GAP)
    return got


def invite_text(cseq_line, body, compact=False):
    """An INVITE of the phone C1 to the proxy with this CSeq line (None: none) and body."""
    names = ("v", "f", "t", "i", "m", "l") if compact else ("Via", "From", "To", "Call-ID", "Contact",
                                                            "Content-Length")
    hs = ["%s: SIP/2.0/UDP %s:%d;branch=z9hG4bKh" % (names[0], C1, PORT), "%s: <sip:alice@%s>;tag=h" % (names[1], C1),
          "%s: <sip:bob@%s>" % (names[2], SRV), "%s: h1@%s" % (names[3], C1)]
    if cseq_line is not None:
        hs.append(cseq_line)
    hs.append("%s: <sip:alice@%s:%d>" % (names[4], C1, PORT))
    return ("INVITE sip:bob@%s SIP/2.0\r\n%s\r\n%s: %d\r\n\r\n%s" % (SRV, "\r\n".join(hs), names[5], len(body), body)
            ).encode()


REGISTER_TEXT = "REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d\r\nCSeq: %d REGISTER\r\nContact: %s\r\n\r\n"


def options_first(net):
    """The phone's OPTIONS and the proxy's 200 open the connection; returns (phone, proxy) sockets."""
    phone = net.udp_socket(C1, PORT)
    proxy = net.udp_socket(SRV, PORT)
    opts = msg("OPTIONS sip:bob@%s SIP/2.0" % SRV, ["Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKo" % (C1, PORT),
                                                    "CSeq: 1 OPTIONS"])
    got, at = send(net, phone, proxy, opts, (SRV, PORT))
    send(net, proxy, phone, response(got, 200, "OK"), at)
    return phone, proxy


@scenario(params={"sip_port": PORT}, **SIP_NAT)
def sip_hostile_masq(net, cap):
    """Broken and hostile SIP from a phone through masquerade, one datagram each (the proxy answers the first): an
    INVITE without CSeq, a CSeq on a continuation line, a media port below 1024, an SDP without media lines, compact
    header forms, a Contact port out of range, an expires= without a number, five audio lines, a media port beyond
    2^32. What the kernel drops never reaches the proxy; what passes shows its rewriting."""
    phone, proxy = options_first(net)
    offer(net, phone, proxy, invite_text(None, sdp("alice", C1, 40000)), (SRV, PORT))
    offer(net, phone, proxy, invite_text("CSeq:\r\n   2 INVITE", sdp("alice", C1, 40002)), (SRV, PORT))
    offer(net, phone, proxy, invite_text("CSeq: 3 INVITE", sdp("alice", C1, 80)), (SRV, PORT))
    no_media = "v=0\r\no=alice 4 4 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n" % (C1, C1)
    offer(net, phone, proxy, invite_text("CSeq: 4 INVITE", no_media), (SRV, PORT))
    offer(net, phone, proxy, invite_text("CSeq: 5 INVITE", sdp("alice", C1, 40010), compact=True), (SRV, PORT))
    offer(net, phone, proxy, (REGISTER_TEXT % (SRV, C1, PORT, 6, "<sip:alice@%s:99999>" % C1)).encode(), (SRV, PORT))
    offer(net, phone, proxy, (REGISTER_TEXT % (SRV, C1, PORT, 7, "<sip:alice@%s>;expires=soon" % C1)).encode(), (SRV, PORT))
    five = "v=0\r\no=alice 8 8 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n" % (C1, C1) + "".join(
        "m=audio %d RTP/AVP 0\r\n" % (41000 + 2 * i) for i in range(5))
    offer(net, phone, proxy, invite_text("CSeq: 8 INVITE", five), (SRV, PORT))
    wrap = "v=0\r\no=alice 9 9 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 4294972296 RTP/AVP 0\r\n" % (C1, C1)
    offer(net, phone, proxy, invite_text("CSeq: 9 INVITE", wrap), (SRV, PORT))


@scenario(params={"sip_port": PORT}, **SIP_NAT)
def sip_hostile_ports(net, cap):
    """Ports out of range through masquerade: media ports 70000, 2^32-1, 2^32, 1000, 65535 and one beyond 2^64 in
    INVITEs, Contact ports 99999, 1000, 70000 and 5070 in REGISTERs. Linux 6.18 drops a media port it reads as out of
    range but takes one beyond 2^32 for an inactive stream, and passes a REGISTER whose Contact port is out of range
    without expecting anything."""
    phone, proxy = options_first(net)
    base = "v=0\r\no=alice 9 9 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\n"
    for i, port in enumerate(["70000", "4294967295", "4294967296", "1000", "65535", "99999999999999999999999"]):
        offer(net, phone, proxy, invite_text("CSeq: %d INVITE" % (10 + i), base % (C1, C1, port)), (SRV, PORT))
    for i, c in enumerate(["<sip:alice@%s:99999>;expires=60", "<sip:alice@%s:1000>;expires=60",
                           "<sip:alice@%s:70000>;expires=60", "<sip:alice@%s:5070>;expires=60"]):
        offer(net, phone, proxy, (REGISTER_TEXT % (SRV, C1, PORT, 20 + i, c % C1)).encode(), (SRV, PORT))
