"""Injects crafted frames into the router namespace (run inside it) and prints the ct state the kernel gave
each one (nft counters at prerouting -150) and the reason conntrack logged (nfnetlink_log group 0)."""
import json, socket, struct, subprocess, sys, time, ipaddress

RTR_LAN, RTR_WAN = bytes.fromhex("020000000101"), bytes.fromhex("020000000201")
PEER_LAN, PEER_WAN = bytes.fromhex("020000000102"), bytes.fromhex("020000000202")

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

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

socks = {}
def send(side, pkt):
    dev = side + "peer"
    if dev not in socks:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((dev, 0)); socks[dev] = s
    v6 = pkt[0] >> 4 == 6
    dmac, smac = (RTR_LAN, PEER_LAN) if side == "lan" else (RTR_WAN, PEER_WAN)
    socks[dev].send(dmac + smac + (b"\x86\xdd" if v6 else b"\x08\x00") + pkt)

def counters():
    out = json.loads(subprocess.check_output(["nft", "-j", "list", "chain", "inet", "probe", "ctlog"]))
    res = {}
    for item in out["nftables"]:
        r = item.get("rule")
        if r:
            n = next(e["counter"]["packets"] for e in r["expr"] if "counter" in e)
            res[r["comment"]] = n
    return res

nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
nl.bind((0, 0))
def nlcfg(attrs):
    body = struct.pack("!BBH", 0, 0, 0) + attrs  # nfgenmsg: family unspec, version 0, res_id = group 0
    hdr = struct.pack("=IHHII", 16 + len(body), (4 << 8) | 1, 1 | 4, 1, 0)
    nl.send(hdr + body)
def nla(t, data):
    l = 4 + len(data)
    return struct.pack("=HH", l, t) + data + b"\0" * ((4 - l % 4) % 4)
nlcfg(nla(1, struct.pack("B", 1)))  # NFULA_CFG_CMD bind
nlcfg(nla(2, struct.pack("!IBB", 0, 1, 0)))  # NFULA_CFG_MODE: copy meta only
nl.setblocking(False)

def reasons():
    out = []
    while True:
        try:
            d = nl.recv(65536)
        except BlockingIOError:
            return out
        off = 0
        while off + 16 <= len(d):
            ln, typ = struct.unpack("=IH", d[off:off + 6])
            if typ == (4 << 8):
                a_off = off + 20
                while a_off + 4 <= off + ln:
                    al, at = struct.unpack("=HH", d[a_off:a_off + 4])
                    if al < 4: break
                    if (at & 0x7fff) == 10:
                        out.append(d[a_off + 4:a_off + al].rstrip(b"\0").decode().strip())
                    a_off += (al + 3) & ~3
            off += (ln + 3) & ~3

def probe(label, side, pkt):
    before = counters(); reasons()
    send(side, pkt)
    time.sleep(0.05)
    after = counters()
    st = [k for k in after if after[k] != before[k]]
    print("%-58s %-22s %s" % (label, ",".join(st) or "?", " | ".join(reasons()) or "-"))
    sys.stdout.flush()

def table(match):
    for l in open("/proc/net/nf_conntrack"):
        if match in l: print("   table:", " ".join(l.split()))

exec(open(sys.argv[1]).read())
