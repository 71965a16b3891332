"""Three namespaces (LAN hosts, router, WAN hosts) with real stacks, to ask the running kernel how NAT picks
addresses and ports. Documentation addresses only; everything is deleted on exit."""
import subprocess, time, re

P = 'c4nat-'
LAN, RTR, WAN = P + 'lan', P + 'rtr', P + 'wan'


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(cmd + ': ' + r.stderr)
    return r.stdout


def nsx(ns, cmd, check=True):
    return sh('ip netns exec %s %s' % (ns, cmd), check)


def setup(lan_extra=(), wan_extra=(), lan6_extra=(), wan6_extra=()):
    teardown()
    for ns in (LAN, RTR, WAN):
        sh('ip netns add ' + ns)
        nsx(ns, 'ip link set lo up')
    sh('ip link add eth0 netns %s type veth peer name lan netns %s' % (LAN, RTR))
    sh('ip link add eth0 netns %s type veth peer name wan netns %s' % (WAN, RTR))
    for ns, dev in ((LAN, 'eth0'), (WAN, 'eth0'), (RTR, 'lan'), (RTR, 'wan')):
        nsx(ns, 'sysctl -qw net.ipv6.conf.%s.accept_ra=0' % dev, False)
        nsx(ns, 'ip link set %s up' % dev)
    nsx(RTR, 'ip addr add 198.51.100.1/24 dev lan')
    nsx(RTR, 'ip addr add 203.0.113.1/24 dev wan')
    nsx(RTR, 'ip addr add 2001:db8:1::1/64 dev lan nodad')
    nsx(RTR, 'ip addr add 2001:db8:2::1/64 dev wan nodad')
    nsx(LAN, 'ip addr add 198.51.100.10/24 dev eth0')
    nsx(LAN, 'ip addr add 2001:db8:1::10/64 dev eth0 nodad')
    nsx(WAN, 'ip addr add 203.0.113.10/24 dev eth0')
    nsx(WAN, 'ip addr add 2001:db8:2::10/64 dev eth0 nodad')
    for a in lan_extra:
        nsx(LAN, 'ip addr add %s/24 dev eth0' % a)
    for a in wan_extra:
        nsx(WAN, 'ip addr add %s/24 dev eth0' % a)
    for a in lan6_extra:
        nsx(LAN, 'ip addr add %s/64 dev eth0 nodad' % a)
    for a in wan6_extra:
        nsx(WAN, 'ip addr add %s/64 dev eth0 nodad' % a)
    nsx(LAN, 'ip route add default via 198.51.100.1')
    nsx(LAN, 'ip -6 route add default via 2001:db8:1::1')
    nsx(WAN, 'ip route add default via 203.0.113.1')
    nsx(WAN, 'ip -6 route add default via 2001:db8:2::1')
    nsx(RTR, 'sysctl -qw net.ipv4.ip_forward=1')
    nsx(RTR, 'sysctl -qw net.ipv6.conf.all.forwarding=1')
    # hosts answer nothing: no port unreachable noise
    for ns in (LAN, WAN):
        nsx(ns, "nft -f - <<'EOF2'\ntable inet quiet { chain out { type filter hook output priority 0; policy accept; meta l4proto {icmp, ipv6-icmp} icmp type destination-unreachable drop; icmpv6 type destination-unreachable drop } }\nEOF2", False)


TXOFF = r'''
import fcntl, socket, struct, array, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for name in sys.argv[1:]:
    buf = array.array("B", struct.pack("II", 0x17, 0))
    ifr = struct.pack("16sP", name.encode(), buf.buffer_info()[0])
    fcntl.ioctl(s.fileno(), 0x8946, ifr)
'''


def checksum_offload_off():
    for ns, devs in ((LAN, 'eth0'), (WAN, 'eth0'), (RTR, 'lan wan')):
        nsx(ns, "python3 -c '%s' %s" % (TXOFF, devs))


def rules(text):
    nsx(RTR, "nft -f - <<'EOF2'\n%s\nEOF2" % text)


def flush_ct():
    nsx(RTR, 'nft flush ruleset')


def conntrack():
    return nsx(RTR, 'cat /proc/net/nf_conntrack')


SEND = r'''
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
proto = sys.argv[5]
if proto == 'udp':
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(sys.argv[2])))
    s.sendto(b'x', (sys.argv[3], int(sys.argv[4])))
else:
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(sys.argv[2])))
    s.setblocking(False)
    try:
        s.connect((sys.argv[3], int(sys.argv[4])))
    except BlockingIOError:
        pass
    import time; time.sleep(0.05)
'''


def send(ns, src, sport, dst, dport, proto='udp'):
    nsx(ns, "python3 -c '%s' %s %d %s %d %s" % (SEND.replace("'", "'\"'\"'"), src, sport, dst, dport, proto))


def teardown():
    for ns in (LAN, RTR, WAN):
        sh('ip netns del ' + ns + ' 2>/dev/null', False)
