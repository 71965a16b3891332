#!/usr/bin/env python3
"""Kernel probe lab for the FTP helper: a router namespace (lan 198.51.100.1/24 2001:db8:1::1/64, wan
203.0.113.1/24 2001:db8:2::1/64) with an nftables ct helper of type "ftp" assigned to new connections to port 21
and, optionally, masquerade on wan; a client and a server namespace without addresses (so that their kernels
stay silent), from which frames are crafted and captured with AF_PACKET sockets. Transmit checksum offload is
switched off on the router, so every checksum it sends is complete. Run as root; everything is deleted again."""
import os, socket, struct, subprocess, sys, time, select, ipaddress, ctypes
_libc = ctypes.CDLL(None, use_errno=True)
def _setns(fd):
    if _libc.setns(fd, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), 'setns')


NS_C, NS_R, NS_S = 'ftpk-c', 'ftpk-r', 'ftpk-s'
MAC_C, MAC_RL, MAC_RW, MAC_S = '02:00:00:00:11:02', '02:00:00:00:11:01', '02:00:00:00:12:01', '02:00:00:00:12:02'

def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(cmd + '\n' + r.stderr)
    return r.stdout

def setup(nat=False):
    teardown()
    for n in (NS_C, NS_R, NS_S):
        sh(f'ip netns add {n}')
    sh(f'ip link add fc type veth peer name lan netns {NS_R}')
    sh(f'ip link set fc netns {NS_C} name eth0')
    sh(f'ip link add fs type veth peer name wan netns {NS_R}')
    sh(f'ip link set fs netns {NS_S} name eth0')
    sh(f'ip -n {NS_C} link set eth0 address {MAC_C} up')
    sh(f'ip -n {NS_S} link set eth0 address {MAC_S} up')
    for n in (NS_C, NS_S):
        sh(f'ip netns exec {n} sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
    sh(f'ip -n {NS_R} link set lan address {MAC_RL} up')
    sh(f'ip -n {NS_R} link set wan address {MAC_RW} up')
    sh(f'ip -n {NS_R} addr add 198.51.100.1/24 dev lan')
    sh(f'ip -n {NS_R} addr add 203.0.113.1/24 dev wan')
    sh(f'ip -n {NS_R} addr add 2001:db8:1::1/64 dev lan nodad')
    sh(f'ip -n {NS_R} addr add 2001:db8:2::1/64 dev wan nodad')
    sh(f'ip netns exec {NS_R} sysctl -qw net.ipv4.ip_forward=1')
    sh(f'ip netns exec {NS_R} sysctl -qw net.ipv6.conf.all.forwarding=1')
    for a in ('198.51.100.10', '198.51.100.11', '2001:db8:1::10'):
        sh(f'ip -n {NS_R} neigh replace {a} lladdr {MAC_C} dev lan nud permanent')
    for a in ('203.0.113.10', '203.0.113.99', '2001:db8:2::10'):
        sh(f'ip -n {NS_R} neigh replace {a} lladdr {MAC_S} dev wan nud permanent')
    rules = '''table inet t {
  ct helper fh { type "ftp" protocol tcp; l3proto inet; }
  chain pre { type filter hook prerouting priority filter; ct state new tcp dport 21 ct helper set "fh"; }
'''
    if nat:
        rules += '''  chain post { type nat hook postrouting priority srcnat; oifname "wan" masquerade; }
'''
    rules += '}\n'
    p = subprocess.run(f'ip netns exec {NS_R} nft -f -', shell=True, input=rules, text=True, capture_output=True)
    if p.returncode:
        raise RuntimeError(p.stderr)

def teardown():
    for n in (NS_C, NS_R, NS_S):
        subprocess.run(f'ip netns del {n}', shell=True, capture_output=True)

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def tcp_frame(src, sp, dst, dp, seq, ack, flags, data=b''):
    v6 = ':' in src
    th = struct.pack('!HHIIBBHHH', sp, dp, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, 64240, 0, 0)
    seg = th + data
    if v6:
        s6 = ipaddress.IPv6Address(src).packed; d6 = ipaddress.IPv6Address(dst).packed
        ph = s6 + d6 + struct.pack('!IxxxB', len(seg), 6)
        c = csum(ph + seg)
        seg = seg[:16] + struct.pack('!H', c) + seg[18:]
        ip = struct.pack('!IHBB', 6 << 28, len(seg), 6, 64) + s6 + d6 + seg
        et = 0x86dd
    else:
        s4 = socket.inet_aton(src); d4 = socket.inet_aton(dst)
        ph = s4 + d4 + struct.pack('!BBH', 0, 6, len(seg))
        c = csum(ph + seg)
        seg = seg[:16] + struct.pack('!H', c) + seg[18:]
        hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(seg), 1, 0, 64, 6, 0, s4, d4)
        hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
        ip = hdr + seg
        et = 0x0800
    return ip, et

class Side:
    """A raw socket in a host namespace: sends IP packets to the router, receives what the router sends."""
    def __init__(self, ns, mymac, peermac):
        fd = os.open(f'/var/run/netns/{ns}', os.O_RDONLY)
        cur = os.open('/proc/self/ns/net', os.O_RDONLY)
        _setns(fd)
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.s.bind(('eth0', 0))
        _setns(cur)
        os.close(fd); os.close(cur)
        self.mymac = bytes.fromhex(mymac.replace(':', ''))
        self.peermac = bytes.fromhex(peermac.replace(':', ''))
        self.drain()

    def send(self, ip, et):
        self.s.send(self.peermac + self.mymac + struct.pack('!H', et) + ip)

    def drain(self, wait=0.0):
        out = []
        end = time.time() + wait
        while True:
            t = max(0, end - time.time())
            r, _, _ = select.select([self.s], [], [], t)
            if not r:
                return out
            f, addr = self.s.recvfrom(70000)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            out.append(f)

def parse(frame):
    et = struct.unpack('!H', frame[12:14])[0]
    ip = frame[14:]
    if et == 0x0800:
        ihl = (ip[0] & 15) * 4; tot = struct.unpack('!H', ip[2:4])[0]; ip = ip[:tot]
        src = socket.inet_ntoa(ip[12:16]); dst = socket.inet_ntoa(ip[16:20]); l4 = ip[ihl:]
    elif et == 0x86dd:
        pl = struct.unpack('!H', ip[4:6])[0]; ip = ip[:40 + pl]
        src = str(ipaddress.IPv6Address(ip[8:24])); dst = str(ipaddress.IPv6Address(ip[24:40])); l4 = ip[40:]
    else:
        return None
    if (ip[9] if et == 0x0800 else ip[6]) != 6:
        return None
    sp, dp, seq, ack, off, fl = struct.unpack('!HHIIBB', l4[:14])
    data = l4[(off >> 4) * 4:]
    return dict(src=src, dst=dst, sp=sp, dp=dp, seq=seq, ack=ack, flags=fl, data=data, ip=ip)

def expectations():
    return sh(f'ip netns exec {NS_R} cat /proc/net/nf_conntrack_expect').strip().splitlines()

def tx_csum_off(ns, dev):
    """ethtool -K dev tx off, in namespace ns: the router then computes every checksum it sends."""
    import fcntl, array
    fd = os.open(f'/var/run/netns/{ns}', os.O_RDONLY)
    cur = os.open('/proc/self/ns/net', os.O_RDONLY)
    _setns(fd)
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        val = ctypes.create_string_buffer(struct.pack('II', 0x17, 0))
        ifr = struct.pack('16sP', dev.encode(), ctypes.addressof(val))
        fcntl.ioctl(s.fileno(), 0x8946, ifr)
        s.close()
    finally:
        _setns(cur)
        os.close(fd); os.close(cur)

class Lab:
    def __init__(self, nat=False):
        setup(nat)
        tx_csum_off(NS_R, 'lan')
        tx_csum_off(NS_R, 'wan')
        self.C = Side(NS_C, MAC_C, MAC_RL)
        self.S = Side(NS_S, MAC_S, MAC_RW)
