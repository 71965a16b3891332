"""Turns a Capture's raw files into a case folder in the oracle's format.

Ingress order = the order conntrack processed the packets: the NFLOG group 1 records (ctlog chain, one per
packet that reached prerouting -150) are in processing order; each is matched to the earliest unmatched
received frame with the same IP bytes on the same input interface. A reassembled datagram's record is matched
to the fragments it was built from (each fragment gets a row with the datagram's verdict, defrag=k/n).
Received frames without any record (dropped before prerouting -150, e.g. by ip_rcv) keep their capture-time
position and get ct_state/ct_dir "-" (listed under capture.problems). Link-local noise (IPv6 multicast: MLD,
ND) is removed from every file.
"""
import ipaddress
import json
import os
import re
import struct

# ---------------------------------------------------------------------------------------------- pcap reading

def read_pcap(path):
    """[(ts_ns, bytes)] of a classic pcap (micro or nano), plus the link type."""
    if not os.path.exists(path):
        return [], 1
    data = open(path, "rb").read()
    if len(data) < 24:
        return [], 1
    magic = data[:4]
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    lt = struct.unpack(e + "I", data[20:24])[0]
    out = []
    off = 24
    while off + 16 <= len(data):
        s, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        ts = s * 1_000_000_000 + (frac if nano else frac * 1000)
        out.append((ts, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out, lt


def ip_of_frame(frame):
    et = struct.unpack(">H", frame[12:14])[0]
    p = frame[14:]
    if et == 0x0800 and len(p) >= 20:
        return p[:struct.unpack(">H", p[2:4])[0]]
    if et == 0x86DD and len(p) >= 40:
        return p[:40 + struct.unpack(">H", p[4:6])[0]]
    return None


def read_nflog(path):
    """[(group, prefix, payload, indev_ifindex)] in capture order."""
    frames, lt = read_pcap(path)
    out = []
    for ts, b in frames:
        group = struct.unpack(">H", b[2:4])[0]
        off = 4
        prefix, payload, indev = "", b"", None
        while off + 4 <= len(b):
            ln, t = struct.unpack("<HH", b[off:off + 4])
            if ln < 4:
                break
            v = b[off + 4:off + ln]
            if t == 10:
                prefix = v.rstrip(b"\0").decode(errors="replace")
            elif t == 9:
                payload = v
            elif t == 4:
                indev = struct.unpack(">I", v[:4])[0]
            off += (ln + 3) & ~3
        out.append((group, prefix, payload, indev, ts))
    return out


def noise(ip):
    """Link-local chatter that no scenario sends: IPv6 multicast (MLD, ND, ...) and unicast ND."""
    if ip is None:
        return True
    if ip[0] >> 4 == 6:
        if ip[24] == 0xFF:
            return True
        if ip[6] == 58 and len(ip) > 40 and 133 <= ip[40] <= 137:
            return True
        if ip[6] == 0 and len(ip) > 48 and ip[40] == 58:   # hop-by-hop then ICMPv6: MLD
            at = 40 + (ip[41] + 1) * 8
            if len(ip) > at and ip[at] in (130, 131, 132, 143):
                return True
    elif ip[0] >> 4 == 4:
        if 224 <= ip[16] <= 239:
            return True
    return False


# ---------------------------------------------------------------------------------------------- summaries

def summary(ip):
    try:
        return _summary(ip)
    except Exception:
        return "? len=%d" % len(ip)


def _l4(ip):
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        return (4, ip[9], ip[ihl:], str(ipaddress.ip_address(ip[12:16])), str(ipaddress.ip_address(ip[16:20])),
                struct.unpack(">H", ip[4:6])[0], struct.unpack(">H", ip[6:8])[0] & 0x3FFF)
    nh, off = ip[6], 40
    frag = 0
    while nh in (0, 43, 60, 44) and off + 8 <= len(ip):
        if nh == 44:
            frag = struct.unpack(">H", ip[off + 2:off + 4])[0]
            nh, off = ip[off], off + 8
        else:
            nh, off = ip[off], off + (ip[off + 1] + 1) * 8
    return (6, nh, ip[off:], str(ipaddress.ip_address(ip[8:24])), str(ipaddress.ip_address(ip[24:40])), 0, frag)


def _summary(ip):
    v, proto, l4, src, dst, ipid, frag = _l4(ip)
    tail = (" | IPv4 id=%d ttl=%d" % (ipid, ip[8])) if v == 4 else (" | IPv6 hlim=%d" % ip[7])
    if frag:
        return "FRAG %s > %s proto=%d len=%d%s" % (src, dst, proto, len(ip), tail)
    if proto == 6 and len(l4) >= 20:
        sp, dp, seq, ack, offf, flags, win = struct.unpack(">HHIIBBH", l4[:16])
        fl = "".join(c for c, b in zip("FSRPAUEC", range(8)) if flags >> b & 1)
        fl = "".join(c for c in "SFRPAUEC" if c in fl)
        dlen = len(l4) - (offf >> 4) * 4
        return "TCP %s:%d > %s:%d [%s] seq=%d ack=%d win=%d len=%d%s" % (src, sp, dst, dp, fl, seq, ack, win, dlen, tail)
    if proto == 17 and len(l4) >= 8:
        sp, dp, ln = struct.unpack(">HHH", l4[:6])
        return "UDP %s:%d > %s:%d len=%d%s" % (src, sp, dst, dp, ln - 8, tail)
    if proto == 132 and len(l4) >= 12:
        return "SCTP %s%s" % (_sctp(src, dst, l4), tail)
    if proto == 47 and len(l4) >= 8 and l4[1] & 7 == 1 and struct.unpack(">H", l4[2:4])[0] == 0x880B:
        return "GRE %s%s" % (_gre_pptp(src, dst, l4), tail)
    if proto in (1, 58) and len(l4) >= 8:
        t, c = l4[0], l4[1]
        if (proto == 1 and t in (0, 8)) or (proto == 58 and t in (128, 129)):
            i, s = struct.unpack(">HH", l4[4:8])
            return "%s %s > %s type=%d code=%d id=%d seq=%d%s" % ("ICMP" if v == 4 else "ICMPv6", src, dst, t, c, i, s, tail)
        inner = ""
        try:
            q = l4[8:]
            iv, ip2, il4, isrc, idst, _, _ = _l4(q)
            ports = struct.unpack(">HH", il4[:4]) if ip2 in (6, 17) else None
            if ports:
                inner = " inner=[%s:%d > %s:%d proto=%d]" % (isrc, ports[0], idst, ports[1], ip2)
            else:
                inner = " inner=[%s > %s proto=%d]" % (isrc, idst, ip2)
        except Exception:
            pass
        return "%s %s > %s type=%d code=%d%s%s" % ("ICMP" if v == 4 else "ICMPv6", src, dst, t, c, inner, tail)
    return "IP proto=%d %s > %s len=%d%s" % (proto, src, dst, len(ip), tail)


# SCTP chunk types by number (RFC 9260 3.2; ECNE and CWR: RFC 9260 appendix A)
SCTP_CHUNKS = ("DATA", "INIT", "INIT_ACK", "SACK", "HEARTBEAT", "HEARTBEAT_ACK", "ABORT", "SHUTDOWN", "SHUTDOWN_ACK",
               "ERROR", "COOKIE_ECHO", "COOKIE_ACK", "ECNE", "CWR", "SHUTDOWN_COMPLETE")
SCTP_SHOWN_CHUNKS = 16      # a packet of hundreds of chunks is summarised by its first ones and "..."


def _sctp(src, dst, l4):
    """``src:port > dst:port vtag=0x.. CHUNK,...`` (the oracle README's SCTP summary): DATA with its TSN and data
    length, INIT and INIT_ACK with the initiate tag and initial TSN, SACK and SHUTDOWN with the cumulative TSN
    ack. A field is shown only where the chunk's own length and the packet both cover it; a chunk whose length
    is below its header ends the walk, as it ends the kernel's."""
    sp, dp, vtag = struct.unpack(">HHI", l4[:8])
    parts, off = [], 12
    while off + 4 <= len(l4) and len(parts) < SCTP_SHOWN_CHUNKS:
        t, ln = l4[off], struct.unpack(">H", l4[off + 2:off + 4])[0]
        name = SCTP_CHUNKS[t] if t < len(SCTP_CHUNKS) else "CHUNK%d" % t
        if name == "DATA" and ln >= 16 and off + 12 <= len(l4):
            name += "(tsn=%d len=%d)" % (struct.unpack(">I", l4[off + 4:off + 8])[0], ln - 16)
        elif name in ("INIT", "INIT_ACK") and ln >= 20 and off + 20 <= len(l4):
            tag, tsn = struct.unpack(">I", l4[off + 4:off + 8])[0], struct.unpack(">I", l4[off + 16:off + 20])[0]
            name += "(init_tag=0x%08x tsn=%d)" % (tag, tsn)
        elif name in ("SACK", "SHUTDOWN") and ln >= 8 and off + 8 <= len(l4):
            name += "(cum_tsn=%d)" % struct.unpack(">I", l4[off + 4:off + 8])[0]
        if ln < 4:
            parts.append(name + "(len=%d)" % ln)
            break
        parts.append(name)
        off += (ln + 3) & ~3
    else:
        if off + 4 <= len(l4):
            parts.append("...")
    return "%s:%d > %s:%d vtag=0x%08x %s" % (src, sp, dst, dp, vtag, ",".join(parts) or "no chunks")


def _gre_pptp(src, dst, l4):
    """``src > dst v1 proto=0x880b key(len=L call_id=C) seq=S ack=A len=N`` (the oracle README's summary of
    PPTP's enhanced GRE, RFC 2637 4.1): the key is the payload length and the peer's call ID; the sequence and
    acknowledgement numbers are there when their flags (S, A) are set; N counts the bytes after the header.
    Other GRE versions keep the generic summary."""
    flags, proto, plen, call = struct.unpack(">HHHH", l4[:8])
    text, off = "%s > %s v1 proto=0x%04x key(len=%d call_id=%d)" % (src, dst, proto, plen, call), 8
    for name, bit in (("seq", 0x1000), ("ack", 0x0080)):
        if flags & bit and off + 4 <= len(l4):
            text += " %s=%d" % (name, struct.unpack(">I", l4[off:off + 4])[0])
            off += 4
    return text + " len=%d" % (len(l4) - off)


# ---------------------------------------------------------------------------------------------- pcapng writing

def _opt(code, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack("<HH", code, len(value)) + value + b"\0" * pad


def _block(btype, body):
    pad = (4 - len(body) % 4) % 4
    body = body + b"\0" * pad
    ln = len(body) + 12
    return struct.pack("<II", btype, ln) + body + struct.pack("<I", ln)


def write_pcapng(path, frames, inbound):
    """frames: [(ts_ns, iface, bytes, comment or None)]; interfaces lan (0) and wan (1), microseconds."""
    out = bytearray()
    shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + _opt(4, b"conntrack4j recorder (linux nf_conntrack capture)") + _opt(0, b"")
    out += _block(0x0A0D0D0A, shb)
    names = ["lan", "wan"]
    for n in names:
        idb = struct.pack("<HHI", 1, 0, 0x40000) + _opt(2, n.encode()) + _opt(9, b"\x06") + _opt(0, b"")
        out += _block(1, idb)
    for ts, iface, b, comment in frames:
        us = ts // 1000
        body = struct.pack("<IIIII", names.index(iface), us >> 32, us & 0xFFFFFFFF, len(b), len(b))
        body += b + b"\0" * ((4 - len(b) % 4) % 4)
        opts = _opt(2, struct.pack("<I", 1 if inbound else 2))
        if comment:
            opts += _opt(1, comment.encode())
        body += opts + _opt(0, b"")
        out += _block(6, body)
    with open(path, "wb") as f:
        f.write(out)


# ---------------------------------------------------------------------------------------------- frag helpers

def _v6_past_options(ip):
    """(next header, offset) of an IPv6 packet after its hop-by-hop, routing and destination options headers."""
    nh, off = ip[6], 40
    while nh in (0, 43, 60) and off + 8 <= len(ip):
        nh, off = ip[off], off + (ip[off + 1] + 1) * 8
    return nh, off


def frag_key(ip):
    """(src, dst, id) of a fragment, or None for a whole packet."""
    if ip[0] >> 4 == 4:
        if struct.unpack(">H", ip[6:8])[0] & 0x3FFF:
            return (ip[12:16], ip[16:20], ip[4:6])
        return None
    nh, off = _v6_past_options(ip)
    if nh == 44:
        return (ip[8:24], ip[24:40], ip[off + 4:off + 8])
    return None


def frag_info(ip):
    """(offset in bytes, more fragments, fragment payload) of a fragment."""
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        fo = struct.unpack(">H", ip[6:8])[0]
        return (fo & 0x1FFF) * 8, bool(fo & 0x2000), ip[ihl:]
    nh, off = _v6_past_options(ip)
    fo = struct.unpack(">H", ip[off + 2:off + 4])[0]
    return fo & 0xFFF8, bool(fo & 1), ip[off + 8:]


def reassembly(frags, whole):
    """The fragments that rebuild the datagram whole, or None: the first received per offset (later duplicates
    are dropped by defrag), else the last received per offset (the earlier ones went with a queue that an
    overlap or a contradicting final fragment killed)."""
    return _reassembly(frags, whole, False) or _reassembly(frags, whole, True)


def _reassembly(frags, whole, last):
    first = {}
    for f in frags:
        o, mf, data = frag_info(f["ip"])
        if last:
            first[o] = (f, mf, data)
        else:
            first.setdefault(o, (f, mf, data))
    pos, out, used = 0, b"", []
    while pos in first:
        f, mf, data = first[pos]
        out += data
        used.append(f)
        pos += len(data)
        if not mf:
            break
    else:
        return None
    if whole[0] >> 4 == 4:
        body = whole[(whole[0] & 15) * 4:]
    else:
        body = whole[40:]
    if body != out:
        return None
    return sorted(used, key=lambda f: f["ts"])


def addr_key(ip):
    return (ip[12:16], ip[16:20]) if ip[0] >> 4 == 4 else (ip[8:24], ip[24:40])


# ---------------------------------------------------------------------------------------------- assembly

USERSPACE = re.compile(r"\s+\[USERSPACE\] portid=\d+( progname=\S*)?$")
EVENT_LINE = re.compile(r"^\[")


def event_ns(line):
    """conntrack -o timestamp prints seconds.microseconds with the microseconds left-aligned, unpadded."""
    sec, usec = line[1:line.index("]")].split(".")
    return int(sec) * 1_000_000_000 + int(usec.strip() or 0) * 1000


def crafted(raw):
    """The IP packets a scenario sent on purpose (Capture.after): never taken for link-local noise."""
    path = os.path.join(raw, "steps.jsonl")
    return {bytes.fromhex(json.loads(l)["ip"]) for l in open(path)} if os.path.exists(path) else set()


def sent_to_multicast(keep):
    """conntrack's "src=A dst=G" of the packets a scenario sent to an IPv6 multicast group on purpose: their
    events and table lines are evidence, not chatter."""
    import ipaddress
    out = set()
    for ip in keep:
        if ip and ip[0] >> 4 == 6 and len(ip) >= 40 and ip[24] == 0xFF:
            out.add("src=%s dst=%s" % (ipaddress.IPv6Address(ip[8:24]).compressed,
                                       ipaddress.IPv6Address(ip[24:40]).compressed))
    return out


def chatter_line(line, purposeful):
    """A conntrack line of IPv6 multicast chatter (MLD, ND...), unless the scenario sent its packet."""
    return ("ff02:" in line or "dst=ff" in line) and not any(p in line for p in purposeful)


def _hops_masked(ip):
    """The packet with what forwarding changes masked: IPv6 hop limit; IPv4 TTL and header checksum."""
    b = bytearray(ip)
    if len(b) >= 40 and b[0] >> 4 == 6:
        b[7] = 0
    elif len(b) >= 20 and b[0] >> 4 == 4:
        b[8] = 0
        b[10:12] = b"\0\0"
    return bytes(b)


def answers_crafted(keep):
    """A test for the router's packets that crafted ones caused, and so are evidence even where they look like
    link-local chatter: a crafted packet forwarded (the same but for hop limit or TTL), and a neighbour
    advertisement answering a crafted solicitation (its target, to the solicitation's source)."""
    forwarded = {_hops_masked(ip) for ip in keep if ip}
    solicited = {(ip[8:24], ip[48:64]) for ip in keep
                 if ip and len(ip) >= 64 and ip[0] >> 4 == 6 and ip[6] == 58 and ip[40] == 135}

    def test(ip):
        if ip is None:
            return False
        if _hops_masked(ip) in forwarded:
            return True
        return (len(ip) >= 64 and ip[0] >> 4 == 6 and ip[6] == 58 and ip[40] == 136
                and (ip[24:40], ip[48:64]) in solicited)
    return test


def captured(raw, direction, keep=frozenset()):
    """(ts, iface, frame, ip) of the router's frames in one direction ("in", "out") on lan, then on wan, in
    capture order, link-local noise left out (but for the packets in ``keep`` and, going out, what they caused:
    ``answers_crafted``)."""
    caused = answers_crafted(keep) if direction == "out" else (lambda ip: False)
    for dev in ("lan", "wan"):
        frames, _ = read_pcap(os.path.join(raw, "%s-%s.pcap" % (dev, direction)))
        for ts, b in frames:
            ip = ip_of_frame(b)
            if ip in keep or not noise(ip) or caused(ip):
                yield ts, dev, b, ip


def per_frame(raw, out, rows, helper):
    """Capture.after's snapshots as sections "after frame N" (N: the ingress row of the packet): tables.txt
    (conntrack -L -o extended,id) and expect.txt (conntrack -L expect, before the final snapshot's section)."""
    path = os.path.join(raw, "steps.jsonl")
    if not os.path.exists(path):
        return []
    problems, tables, expects = [], [], []
    purposeful = sent_to_multicast(crafted(raw))
    at = 0
    for line in open(path):
        step = json.loads(line)
        ip = bytes.fromhex(step["ip"])
        hit = next((i for i in range(at, len(rows)) if rows[i]["ip"] == ip), None)
        if hit is None:
            problems.append("snapshot after a packet the router never received: %s" % summary(ip))
            continue
        at = hit + 1
        if "table" in step:
            lines = [l for l in step["table"].splitlines() if l.strip() and not chatter_line(l, purposeful)]
            tables.append("# conntrack -L -o extended,id (after frame %d)\n" % (hit + 1)
                          + "".join(l + "\n" for l in lines))
        if "expect" in step:
            lines = [l for l in step["expect"].splitlines() if l.strip()]
            expects.append("# conntrack -L expect (after frame %d)\n" % (hit + 1)
                           + "".join(l + "\n" for l in lines))
    if tables:
        open(os.path.join(out, "tables.txt"), "w").write("".join(tables))
    if expects:
        end = os.path.join(raw, "expect-list.txt")
        tail = open(end).read() if helper and os.path.exists(end) else ""
        open(os.path.join(out, "expect.txt"), "w").write("".join(expects) + tail)
    return problems


def assemble(raw, out, meta):
    """raw: Capture folder; out: case folder; meta: dict merged into case.json (needs topology, sysctls...)."""
    os.makedirs(out, exist_ok=True)
    problems = []
    ifnames = meta.pop("_ifindex")
    keep = crafted(raw)
    frames = [{"ts": ts, "iface": dev, "frame": b, "ip": ip, "rec": None, "reason": None, "defrag": None}
              for ts, dev, b, ip in captured(raw, "in", keep)]
    frames.sort(key=lambda f: f["ts"])
    snap_path = os.path.join(raw, "snapshot-time")
    snap = int(open(snap_path).read()) if os.path.exists(snap_path) else None
    # events run until the table dump ended (it destroys the expired entries it meets, with their events)
    end_path = os.path.join(raw, "snapshot-end-time")
    snap_end = int(open(end_path).read()) if os.path.exists(end_path) else snap
    if snap is not None:
        late = [f for f in frames if f["ts"] > snap]
        if late:
            problems.append("%d received frame(s) after the table snapshot left out" % len(late))
        frames = [f for f in frames if f["ts"] <= snap]
    recs = [r for r in read_nflog(os.path.join(raw, "nflog.pcap"))
            if r[2] and (r[2] in keep or not noise(r[2]))]
    g1 = [r for r in recs if r[0] == 1]
    g0 = [r for r in recs if r[0] == 0]

    # reasons: a group-0 record precedes the group-1 record of the same packet
    reason_of = {}
    pending0 = []
    for i, r in enumerate(recs):
        if r[0] == 0:
            pending0.append(r)
        else:
            hit = next((p for p in pending0 if p[2] == r[2]), None)
            if hit is not None:
                pending0.remove(hit)
                reason_of[id(r)] = hit[1].strip()
    orphan0 = pending0

    # match group-1 records to frames
    order = []      # frames in processing order (matched ones)
    for ri, r in enumerate(g1):
        dev = ifnames.get(r[3])
        cand = next((f for f in frames if f["rec"] is None and f["ip"] == r[2] and (dev is None or f["iface"] == dev)), None)
        group = None
        if cand is not None:
            group = [cand]
        else:
            # a reassembled datagram: the unmatched fragments (one per offset, first received) whose payloads
            # rebuild the record's; a later duplicate of a fragment is dropped by defrag and stays unmatched
            ak = addr_key(r[2])
            frs = [f for f in frames if f["rec"] is None and frag_key(f["ip"]) is not None
                   and addr_key(f["ip"]) == ak and (dev is None or f["iface"] == dev)]
            for key in dict.fromkeys(frag_key(f["ip"]) for f in frs):
                parts = reassembly([f for f in frs if frag_key(f["ip"]) == key], r[2])
                if parts:
                    group = parts
                    break
        if group is None:
            problems.append("nflog record %d (%s) matches no received frame" % (ri + 1, r[1]))
            continue
        for k, f in enumerate(group):
            f["rec"] = r
            f["reason"] = reason_of.get(id(r))
            if len(group) > 1:
                f["defrag"] = "%d/%d" % (k + 1, len(group))
            order.append(f)
    # reasons of packets that never got a group-1 record
    for r in orphan0:
        f = next((f for f in frames if f["ip"] == r[2] and f["reason"] is None), None)
        if f is not None and f["rec"] is None:
            f["reason"] = r[1].strip()
        else:
            problems.append("conntrack log record without its packet: %s" % r[1].strip())
    # unmatched frames keep their capture-time position relative to the matched ones
    rows = []
    unmatched = [f for f in frames if f["rec"] is None]
    ui = 0
    for f in order:
        while ui < len(unmatched) and unmatched[ui]["ts"] < f["ts"]:
            rows.append(unmatched[ui])
            ui += 1
        rows.append(f)
    rows.extend(unmatched[ui:])
    for f in unmatched:
        problems.append("received frame without ct log record (dropped before prerouting -150?): %s %s"
                        % (f["iface"], summary(f["ip"])))
    t0 = rows[0]["ts"] if rows else 0
    counts = {}
    tsv = ["idx\ttime\tiface\tct_state\tct_dir\tsummary\tct_log_reason"]
    pcap_frames = []
    for i, f in enumerate(rows):
        if f["rec"] is not None:
            m = re.match(r"ct=(\S+) dir=(\S+)", f["rec"][1])
            state, cdir = (m.group(1), m.group(2)) if m else ("?", "?")
        else:
            state, cdir = "-", "none"
        counts[state] = counts.get(state, 0) + 1
        reason = f["reason"] or "-"
        tsv.append("%d\t%.6f\t%s\t%s\t%s\t%s\t%s" % (i + 1, (f["ts"] - t0) / 1e9, f["iface"], state, cdir,
                                                   summary(f["ip"]), reason))
        comment = "ct_state=%s ct_dir=%s" % (state, cdir)
        if f["reason"]:
            comment += " reason=" + f["reason"]
        if f["defrag"]:
            comment += " defrag=" + f["defrag"]
        pcap_frames.append((f["ts"], f["iface"], f["frame"], comment))
    open(os.path.join(out, "ctstate.tsv"), "w").write("\n".join(tsv) + "\n")
    write_pcapng(os.path.join(out, "ingress.pcapng"), pcap_frames, True)

    # egress
    eg = [(ts, dev, b, None) for ts, dev, b, _ in captured(raw, "out", keep) if snap is None or ts <= snap]
    eg.sort(key=lambda x: x[0])
    write_pcapng(os.path.join(out, "egress.pcapng"), eg, False)
    etsv = ["idx\ttime\tiface\tsummary"]
    for i, (ts, dev, b, _) in enumerate(eg):
        etsv.append("%d\t%.6f\t%s\t%s" % (i + 1, (ts - t0) / 1e9, dev, summary(ip_of_frame(b))))
    open(os.path.join(out, "egress.tsv"), "w").write("\n".join(etsv) + "\n")

    # conntrack text files
    def lines(name):
        p = os.path.join(raw, name)
        return [l for l in open(p).read().splitlines() if l.strip()] if os.path.exists(p) else []
    ev = [l for l in lines("events.raw") if EVENT_LINE.match(l)]
    # an event the recorder's own ctnetlink request caused names that request's socket and program, not the kernel's
    # doing: the annotation is left out, and said so
    asked = [l for l in ev if USERSPACE.search(l)]
    if asked:
        ev = [USERSPACE.sub("", l) for l in ev]
        meta.setdefault("notes", []).append(
            "%d event(s) caused by the recorder's ctnetlink requests carried conntrack's annotation of the requester "
            "(%s), left out of events.txt" % (len(asked), USERSPACE.search(asked[0]).group(0).strip()))
    purposeful = sent_to_multicast(keep)
    ev = [l for l in ev if not chatter_line(l, purposeful)]
    if snap_end is not None:
        ev = [l for l in ev if event_ns(l) <= snap_end]
    open(os.path.join(out, "events.txt"), "w").write("".join(l + "\n" for l in ev))
    tab = [l for l in lines("table.txt") if not chatter_line(l, purposeful)]
    open(os.path.join(out, "table.txt"), "w").write("".join(l + "\n" for l in tab))
    if os.path.exists(os.path.join(raw, "table.xml")):
        # conntrack -L -o xml,labels: its document around the flows, none of the multicast listener ones
        flows = [l for l in lines("table.xml") if l.startswith("<flow") and "<dst>ff02" not in l]
        doc = ['<?xml version="1.0" encoding="utf-8"?>', "<conntrack>"] + flows + ["</conntrack>"] if flows else []
        open(os.path.join(out, "table.xml"), "w").write("".join(l + "\n" for l in doc))
    if snap is not None and rows:
        # when the table was taken, for a replay of a scenario that waits past its last packet
        meta["table_at_s"] = round((snap - t0) / 1e9, 6)
    changes = os.path.join(raw, "ruleset-changes.jsonl")
    if os.path.exists(changes) and rows:
        # rulesets loaded while the scenario ran: when (after the first frame), and what
        meta["ruleset_changes"] = [{"at_s": round((c["at_ns"] - t0) / 1e9, 6), "ruleset": c["ruleset"]}
                                   for c in map(json.loads, open(changes).read().splitlines())]
    if meta.get("helper") or meta.pop("_expect", False):
        ex = [l for l in lines("expect.raw") if EVENT_LINE.match(l)]
        open(os.path.join(out, "expect-events.txt"), "w").write("".join(l + "\n" for l in ex))
        if os.path.exists(os.path.join(raw, "expect-list.txt")):
            open(os.path.join(out, "expect.txt"), "w").write(open(os.path.join(raw, "expect-list.txt")).read())
    problems += per_frame(raw, out, rows, bool(meta.get("helper")))
    open(os.path.join(out, "ruleset.nft"), "w").write(meta["nft_ruleset"])
    cap = meta.setdefault("capture", {})
    cap.update({"ingress_packets": len(rows), "egress_packets": len(eg), "verdict_records": len(g1),
                "invalid_reason_records": len(g0), "matched_1to1": not problems, "problems": problems,
                "ct_state_counts": counts})
    defr = []
    for i, f in enumerate(rows):
        if f["defrag"] and f["defrag"].startswith("1/"):
            n = int(f["defrag"].split("/")[1])
            defr.append({"rows": list(range(i + 1, i + 1 + n)), "iface": f["iface"],
                         "reassembled_ip_len": len(f["rec"][2]), "verdict": f["rec"][1]})
    if defr:
        cap["defragmented"] = defr
    with open(os.path.join(out, "case.json"), "w") as fjs:
        json.dump(meta, fjs, indent=2)
    return problems
