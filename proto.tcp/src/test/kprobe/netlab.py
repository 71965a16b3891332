"""Three namespaces (lan host, router, wan host) to ask the running kernel how conntrack treats crafted TCP
packets. The hosts drop everything they receive (their stacks never answer); packets are injected on the
hosts' veth ends with AF_PACKET, so they enter the router's PRE_ROUTING like real traffic. The router logs
each packet's ct state to nflog group 1 and conntrack's invalid reasons to nflog group 0 (as the oracle
recorder did). Only documentation addresses; everything is deleted on exit."""
import json, os, socket, struct, subprocess, sys, time

P = 'c4tcp-'
LAN, RTR, WAN = P + 'lan', P + 'rtr', P + 'wan'
MAC = {'lanhost': '02:00:00:00:01:02', 'rtrlan': '02:00:00:00:01:01',
       'rtrwan': '02:00:00:00:02:01', 'wanhost': '02:00:00:00:02:02'}
C4, S4 = '198.51.100.10', '203.0.113.10'
C6, S6 = '2001:db8:1::10', '2001:db8:2::10'


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(cmd + ': ' + r.stderr)
    return r.stdout


def nsx(ns, cmd, check=True):
    return sh('ip netns exec %s %s' % (ns, cmd), check)


RULES = r'''
table inet probe {
  chain ctlog {
    type filter hook prerouting priority -150; policy accept;
    ct state invalid log prefix "ct=invalid dir=none" group 1 accept
    ct state untracked log prefix "ct=untracked dir=none" group 1 accept
    ct state new ct direction original counter log prefix "ct=new dir=original" group 1 accept
    ct state new ct direction reply log prefix "ct=new dir=reply" group 1 accept
    ct state established ct direction original log prefix "ct=established dir=original" group 1 accept
    ct state established ct direction reply log prefix "ct=established dir=reply" group 1 accept
    ct state related ct direction original log prefix "ct=related dir=original" group 1 accept
    ct state related ct direction reply log prefix "ct=related dir=reply" group 1 accept
  }
}
'''
HOSTDROP = r'''
table inet hostdrop {
  chain pre {
    type filter hook prerouting priority -400; policy drop;
  }
}
'''


def setup():
    teardown()
    for ns in (LAN, RTR, WAN):
        sh('ip netns add ' + ns)
        nsx(ns, 'ip link set lo up')
    sh('ip link add eth0 netns %s address %s type veth peer name lan netns %s address %s'
       % (LAN, MAC['lanhost'], RTR, MAC['rtrlan']))
    sh('ip link add eth0 netns %s address %s type veth peer name wan netns %s address %s'
       % (WAN, MAC['wanhost'], RTR, MAC['rtrwan']))
    for ns, dev in ((LAN, 'eth0'), (WAN, 'eth0'), (RTR, 'lan'), (RTR, 'wan')):
        nsx(ns, 'sysctl -qw net.ipv6.conf.%s.disable_ipv6=0' % dev, False)
        nsx(ns, 'sysctl -qw net.ipv6.conf.%s.accept_ra=0' % dev, False)
        nsx(ns, 'sysctl -qw net.ipv6.conf.%s.router_solicitations=0' % dev, False)
        nsx(ns, 'ip link set %s up' % dev)
    nsx(RTR, 'ip addr add 198.51.100.1/24 dev lan')
    nsx(RTR, 'ip addr add 203.0.113.1/24 dev wan')
    nsx(RTR, 'ip addr add 2001:db8:1::1/64 dev lan nodad')
    nsx(RTR, 'ip addr add 2001:db8:2::1/64 dev wan nodad')
    nsx(RTR, 'ip neigh replace %s lladdr %s dev lan nud permanent' % (C4, MAC['lanhost']))
    nsx(RTR, 'ip neigh replace %s lladdr %s dev wan nud permanent' % (S4, MAC['wanhost']))
    nsx(RTR, 'ip neigh replace %s lladdr %s dev lan nud permanent' % (C6, MAC['lanhost']))
    nsx(RTR, 'ip neigh replace %s lladdr %s dev wan nud permanent' % (S6, MAC['wanhost']))
    for k, v in (('net.ipv4.ip_forward', 1), ('net.ipv6.conf.all.forwarding', 1),
                 ('net.ipv4.conf.all.rp_filter', 0), ('net.ipv4.conf.default.rp_filter', 0),
                 ('net.ipv4.conf.lan.rp_filter', 0), ('net.ipv4.conf.wan.rp_filter', 0),
                 ('net.ipv4.conf.all.send_redirects', 0), ('net.ipv4.conf.lan.send_redirects', 0),
                 ('net.ipv4.conf.wan.send_redirects', 0)):
        nsx(RTR, 'sysctl -qw %s=%s' % (k, v))
    for ns in (LAN, WAN):
        nsx(ns, "nft -f - <<'EOF'\n%s\nEOF" % HOSTDROP)
    nsx(RTR, "nft -f - <<'EOF'\n%s\nEOF" % RULES)
    # conntrack is active in the router namespace now (the ct expressions registered its hooks)
    nsx(RTR, 'sysctl -qw net.netfilter.nf_log.2=nfnetlink_log')
    nsx(RTR, 'sysctl -qw net.netfilter.nf_log.10=nfnetlink_log')
    nsx(RTR, 'sysctl -qw net.netfilter.nf_conntrack_log_invalid=255')


def teardown():
    for ns in (LAN, RTR, WAN):
        sh('ip netns del ' + ns + ' 2>/dev/null', False)


def set_sysctls(d):
    for k, v in d.items():
        nsx(RTR, 'sysctl -qw net.netfilter.%s=%s' % (k, v))


# ---- sockets opened inside the namespaces, handed back as file descriptors -------------------------------
HELPER = r'''
import socket, sys, os
kind, arg, path = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == 'packet':
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((arg, 0))
    fd = s.fileno()
elif kind == 'nflog':
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
    s.bind((0, 0))
    fd = s.fileno()
else:
    fd = os.open(arg, os.O_RDONLY)
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
u.connect(path)
socket.send_fds(u, [b'x'], [fd])
'''


def ns_fd(ns, kind, arg):
    path = '/tmp/c4tcp-fd-%d' % os.getpid()
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    p = subprocess.Popen(['ip', 'netns', 'exec', ns, sys.executable, '-c', HELPER, kind, arg, path])
    c, _ = srv.accept()
    _, fds, _, _ = socket.recv_fds(c, 10, 1)
    p.wait()
    c.close()
    srv.close()
    os.unlink(path)
    return fds[0]


# ---- nfnetlink_log --------------------------------------------------------------------------------------
NFNL_SUBSYS_ULOG = 4
NFULNL_MSG_PACKET, NFULNL_MSG_CONFIG = 0, 1
NFULNL_CFG_CMD_BIND, NFULNL_CFG_CMD_PF_BIND, NFULNL_CFG_CMD_PF_UNBIND = 1, 3, 4
NFULA_CFG_CMD, NFULA_CFG_MODE = 1, 2
NFULA_PREFIX, NFULA_PAYLOAD = 10, 9


def nla(t, data):
    ln = 4 + len(data)
    return struct.pack('=HH', ln, t) + data + b'\0' * ((4 - ln % 4) % 4)


def nfmsg(mtype, family, res_id, attrs, seq):
    body = struct.pack('=BBH', family, 0, socket.htons(res_id)) + b''.join(attrs)
    hdr = struct.pack('=IHHII', 16 + len(body), (NFNL_SUBSYS_ULOG << 8) | mtype, 0x1 | 0x4, seq, 0)
    return hdr + body


class NfLog:
    def __init__(self, fd):
        self.s = socket.socket(fileno=fd)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        seq = 1
        for pf in (socket.AF_INET, socket.AF_INET6):
            self.s.send(nfmsg(NFULNL_MSG_CONFIG, pf, 0, [nla(NFULA_CFG_CMD, struct.pack('B', NFULNL_CFG_CMD_PF_UNBIND))], seq)); seq += 1
            self.s.send(nfmsg(NFULNL_MSG_CONFIG, pf, 0, [nla(NFULA_CFG_CMD, struct.pack('B', NFULNL_CFG_CMD_PF_BIND))], seq)); seq += 1
        for group in (0, 1):
            self.s.send(nfmsg(NFULNL_MSG_CONFIG, 0, group, [nla(NFULA_CFG_CMD, struct.pack('B', NFULNL_CFG_CMD_BIND))], seq)); seq += 1
            self.s.send(nfmsg(NFULNL_MSG_CONFIG, 0, group, [nla(NFULA_CFG_MODE, struct.pack('>IBx', 0xffff, 2)),
                                                            nla(4, struct.pack('>I', 1))], seq)); seq += 1
        self.s.setblocking(False)

    def drain(self):
        """[(group, prefix, payload)] of the log messages received so far."""
        out = []
        while True:
            try:
                buf = self.s.recv(1 << 20)
            except BlockingIOError:
                return out
            off = 0
            while off + 16 <= len(buf):
                ln, mtype, flags, seq, pid = struct.unpack_from('=IHHII', buf, off)
                if ln < 16:
                    break
                if (mtype >> 8) == NFNL_SUBSYS_ULOG and (mtype & 0xff) == NFULNL_MSG_PACKET:
                    fam, ver, res = struct.unpack_from('=BBH', buf, off + 16)
                    group = socket.ntohs(res)
                    a = off + 20
                    prefix, payload = None, None
                    while a + 4 <= off + ln:
                        alen, atype = struct.unpack_from('=HH', buf, a)
                        if alen < 4:
                            break
                        data = buf[a + 4:a + alen]
                        atype &= 0x7fff
                        if atype == NFULA_PREFIX:
                            prefix = data.rstrip(b'\0').decode()
                        elif atype == NFULA_PAYLOAD:
                            payload = bytes(data)
                        a += (alen + 3) & ~3
                    out.append((group, prefix, payload))
                off += (ln + 3) & ~3


# ---- packets -----------------------------------------------------------------------------------------------
def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


FLAGS = {'F': 0x01, 'S': 0x02, 'R': 0x04, 'P': 0x08, 'A': 0x10, 'U': 0x20, 'E': 0x40, 'C': 0x80}


def tcp_segment(src, dst, sport, dport, seq, ack, flags, win, opts=b'', data=b'', v6=False, tag=0, badsum=False):
    fl = 0
    for ch in flags:
        fl |= FLAGS[ch]
    opts = opts + b'\0' * ((4 - len(opts) % 4) % 4)
    doff = (20 + len(opts)) // 4
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, doff << 4, fl, win, 0, 0) + opts + data
    if v6:
        s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
        pseudo = s + d + struct.pack('!IxxxB', len(tcp), 6)
    else:
        s, d = socket.inet_aton(src), socket.inet_aton(dst)
        pseudo = s + d + struct.pack('!xBH', 6, len(tcp))
    c = csum(pseudo + tcp)
    if badsum:
        c ^= 0x5a5a
    tcp = tcp[:16] + struct.pack('!H', c) + tcp[18:]
    if v6:
        ip = struct.pack('!IHBB', 0x60000000 | (tag & 0xfffff), len(tcp), 6, 64) + s + d
        return ip + tcp
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), tag & 0xffff, 0, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return ip + tcp


def tag_of(ip):
    if ip[0] >> 4 == 4:
        return struct.unpack_from('!H', ip, 4)[0]
    return struct.unpack_from('!I', ip, 0)[0] & 0xfffff


class Lab:
    def __init__(self):
        setup()
        self.lan = socket.socket(fileno=ns_fd(LAN, 'packet', 'eth0'))
        self.wan = socket.socket(fileno=ns_fd(WAN, 'packet', 'eth0'))
        self.log = NfLog(ns_fd(RTR, 'nflog', ''))
        self.ctfd = ns_fd(RTR, 'file', '/proc/net/nf_conntrack')
        self.tag = 1000

    def close(self):
        teardown()

    def conntrack(self):
        os.lseek(self.ctfd, 0, 0)
        chunks = []
        while True:
            b = os.read(self.ctfd, 65536)
            if not b:
                break
            chunks.append(b)
        return [l for l in b''.join(chunks).decode().splitlines() if ' tcp ' in l]

    def send(self, side, ip):
        """Injects an IP packet from the lan ('o' side) or wan host; returns (state, dir, reason, table)."""
        v6 = ip[0] >> 4 == 6
        eth = bytes.fromhex((MAC['rtrlan'] if side == 'lan' else MAC['rtrwan']).replace(':', '')) + \
            bytes.fromhex((MAC['lanhost'] if side == 'lan' else MAC['wanhost']).replace(':', '')) + \
            struct.pack('!H', 0x86DD if v6 else 0x0800)
        self.log.drain()
        (self.lan if side == 'lan' else self.wan).send(eth + ip)
        time.sleep(0.03)
        state, direction, reasons = None, None, []
        tag = tag_of(ip)
        for group, prefix, payload in self.log.drain():
            if payload is None or tag_of(payload) != tag:
                continue
            if group == 1 and prefix and prefix.startswith('ct='):
                st, dr = prefix.split()
                state, direction = st[3:], dr[4:]
            elif group == 0:
                reasons.append(prefix.strip())
        return state, direction, reasons, self.conntrack()
