"""Kernel reference for NAT of ICMP errors: masquerade (IPv4 and IPv6) and a port forward, with the hosts' own
stacks answering: port unreachable, time exceeded from a hop beyond the WAN host, echo. Writes errors.json:
the router's frames in and out."""
import lab, subprocess, time, json, os, sys
OUT = os.path.abspath('icmp-errors.json')
try:
    lab.setup()
    # no quieting: the hosts must answer with errors
    for ns in (lab.LAN, lab.WAN):
        lab.nsx(ns, 'nft flush ruleset', False)
    # the WAN host routes 192.0.2.0/24 and 2001:db8:99::/64 onward (to nowhere): a TTL of 2 expires there
    lab.nsx(lab.WAN, 'sysctl -qw net.ipv4.ip_forward=1')
    lab.nsx(lab.WAN, 'sysctl -qw net.ipv6.conf.all.forwarding=1')
    lab.nsx(lab.WAN, 'ip route add 192.0.2.0/24 via 203.0.113.200')
    lab.nsx(lab.WAN, 'ip -6 route add 2001:db8:99::/64 via 2001:db8:2::200')
    lab.nsx(lab.RTR, 'ip route add 192.0.2.0/24 via 203.0.113.10')
    lab.nsx(lab.RTR, 'ip -6 route add 2001:db8:99::/64 via 2001:db8:2::10')
    lab.nsx(lab.LAN, 'ip addr add 198.51.100.20/24 dev eth0')
    lab.checksum_offload_off()
    lab.rules('''table inet oracle {
chain nat_post {
type nat hook postrouting priority srcnat; policy accept;
oifname "wan" ip saddr 198.51.100.0/24 masquerade
oifname "wan" ip6 saddr 2001:db8:1::/64 masquerade
}
chain nat_pre {
type nat hook prerouting priority dstnat; policy accept;
iifname "wan" ip daddr 203.0.113.1 udp dport 5353 dnat ip to 198.51.100.20:53
}
}''')
    time.sleep(2)
    cap = subprocess.Popen(['ip', 'netns', 'exec', lab.RTR, sys.executable, os.path.abspath('capture.py'), OUT, '30'])
    while not os.path.exists(OUT + '.ready'):
        time.sleep(0.05)
    time.sleep(0.3)
    S = r'''
import socket, sys, time
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
ttl = int(sys.argv[5])
if ttl:
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
s.sendto(sys.argv[6].encode(), (sys.argv[3], int(sys.argv[4])))
time.sleep(0.2)
'''
    def udp(ns, src, sport, dst, dport, ttl=0, data='probe'):
        lab.nsx(ns, "python3 -c '%s' %s %d %s %d %d %s" % (S, src, sport, dst, dport, ttl, data))
        time.sleep(0.2)
    udp(lab.LAN, '198.51.100.10', 40000, '203.0.113.10', 9000, 0, 'closed-port')        # port unreachable
    udp(lab.LAN, '2001:db8:1::10', 40001, '2001:db8:2::10', 9001, 0, 'closed-port-6')   # ICMPv6 port unreachable
    udp(lab.LAN, '198.51.100.10', 40002, '192.0.2.5', 33434, 2, 'ttl-two')              # time exceeded at the WAN host
    udp(lab.LAN, '2001:db8:1::10', 40003, '2001:db8:99::5', 33435, 2, 'hops-two')       # ICMPv6 time exceeded
    udp(lab.WAN, '203.0.113.10', 6000, '203.0.113.1', 5353, 0, 'forwarded-query')       # DNAT; the LAN host has no port 53
    P = r'''
import socket, sys, time, struct
six = ":" in sys.argv[1]
s = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_RAW,
                  socket.IPPROTO_ICMPV6 if six else socket.IPPROTO_ICMP)
msg = struct.pack(">BBHHH", 128 if six else 8, 0, 0, int(sys.argv[2]), 1) + b"ping-payload"
if not six:
    c = sum(struct.unpack(">%dH" % (len(msg) // 2), msg))
    while c >> 16:
        c = (c & 0xffff) + (c >> 16)
    msg = msg[:2] + struct.pack(">H", ~c & 0xffff) + msg[4:]
s.sendto(msg, (sys.argv[1], 0))
time.sleep(0.3)
'''
    lab.nsx(lab.LAN, "python3 -c '%s' 203.0.113.10 4660" % P)
    lab.nsx(lab.LAN, "python3 -c '%s' 2001:db8:2::10 4661" % P)
    time.sleep(0.5)
    cap.terminate()
    cap.wait()
    print(lab.conntrack())
finally:
    lab.teardown()
frames = json.load(open(OUT))
for f in frames:
    print(f['iface'], 'out' if f['out'] else 'in ', f['hex'][:120])
