"""NAT probes. Address ranges: which address of an `snat to A-B` / `dnat to A-B` range (with and without
persistent, IPv4 and IPv6, inside one 32-bit word and across words) the kernel gives each connection, read from
the table (table.txt); each client sends one UDP datagram from port 41000 to each server in turn, and the hosts
answer nothing. ICMP errors: masquerade (IPv4, IPv6) and a UDP port forward with the hosts' own stacks
answering (port unreachable, time exceeded from a hop beyond the WAN host, echo); the router's frames in and
out. Recorded into testdata/probes/nat/; nat.bundle's AddressRangeTest, SourceNatTest and
KernelErrorProbeTest read them."""
import socket
import time

from ..registry import scenario
from .common import icmp_echo_raw

LAN4 = ["198.51.100.%d" % i for i in range(10, 22)]
WAN4 = ["203.0.113.10", "203.0.113.11", "203.0.113.77"]
LAN6 = ["2001:db8:1::%x" % i for i in range(0x10, 0x16)] + ["2001:db8:1::abcd:%x" % i for i in range(1, 4)]
WAN6 = ["2001:db8:2::10", "2001:db8:2::99"]
QUIET = ("table inet quiet {\n\tchain out {\n\t\ttype filter hook output priority 0; policy accept;\n"
         "\t\ticmp type destination-unreachable drop\n\t\ticmpv6 type destination-unreachable drop\n\t}\n}\n")


def _more_addresses(net):
    """Every LAN and WAN address of the probes on the hosts (with the router's static neighbours for them);
    hosts that answer nothing, so no error joins the table."""
    lab = net.lab
    for side, addrs in (("lan", LAN4 + LAN6), ("wan", WAN4 + WAN6)):
        have = lab.sh(side, ["ip", "-o", "addr", "show", "dev", "eth0"], capture=True)
        mac = {"lan": "02:00:00:00:01:02", "wan": "02:00:00:00:02:02"}[side]
        for a in addrs:
            if " %s/" % a not in have:
                lab.sh(side, ["ip", "addr", "add", a + ("/64" if ":" in a else "/24"), "dev", "eth0", "nodad"]
                       + (["preferred_lft", "0"] if ":" in a else []))
            lab.sh("rtr", ["ip", "neigh", "replace", a, "lladdr", mac, "dev", side, "nud", "permanent"])
        net.host_nft(side, QUIET)


def _send_udp(net, src, sport, dst, dport, data=b"x"):
    s = net.udp_socket(src, sport)
    s.sendto(data, (dst, dport))
    s.close()


def _range(name, rule, v6, doc):
    def run(net, cap):
        for src in (LAN6 if v6 else LAN4):
            for dst in (WAN6 if v6 else WAN4):
                _send_udp(net, src, 41000, dst, 9000)
                time.sleep(0.01)
        time.sleep(0.3)
    run.__name__ = run.__qualname__ = name
    run.__module__ = __name__
    run.__doc__ = doc
    scenario(home="probes/nat", snat=[rule], nat_text={"snat": [rule]}, prepare=_more_addresses)(run)


_range("range_snat4", 'oifname "wan" snat ip to 203.0.113.50-203.0.113.60', False,
       "snat to an IPv4 range inside one word: each LAN client to each WAN server from port 41000.")
_range("range_snat4p", 'oifname "wan" snat ip to 203.0.113.50-203.0.113.60 persistent', False,
       "range_snat4 with persistent (the address hashed from the source alone).")
_range("range_snat4wide", 'oifname "wan" snat ip to 203.0.113.100-203.0.114.20', False,
       "snat to an IPv4 range across the last octet (203.0.113.100-203.0.114.20).")
_range("range_snat6", 'oifname "wan" snat ip6 to 2001:db8:2::100-2001:db8:2::1ff', True,
       "snat to an IPv6 range inside the last 32-bit word.")
_range("range_snat6wide", 'oifname "wan" snat ip6 to 2001:db8:2::ffff:fff0-2001:db8:2::1:0:20', True,
       "snat to an IPv6 range across two 32-bit words.")

DNAT_RANGE = ['iifname "wan" udp dport 7000 dnat ip to 198.51.100.30-198.51.100.40']


@scenario(home="probes/nat", dnat=DNAT_RANGE, nat_text={"dnat": DNAT_RANGE}, prepare=_more_addresses)
def range_dnat4(net, cap):
    """dnat to an IPv4 range: each WAN client sends to the router's port 7000 from ports 5000 and 5001."""
    for src in WAN4:
        for sport in (5000, 5001):
            _send_udp(net, src, sport, "203.0.113.1", 7000)
            time.sleep(0.01)
    time.sleep(0.3)


ERRORS_NAT = ['oifname "wan" ip saddr 198.51.100.0/24 masquerade', 'oifname "wan" ip6 saddr 2001:db8:1::/64 masquerade']
ERRORS_DNAT = ['iifname "wan" ip daddr 203.0.113.1 udp dport 5353 dnat ip to 198.51.100.20:53']
BEYOND = [("192.0.2.0/24", "203.0.113.10", "203.0.113.200"), ("2001:db8:99::/64", "2001:db8:2::10", "2001:db8:2::200")]


def _beyond_the_wan_host(net):
    """The WAN host forwards 192.0.2.0/24 and 2001:db8:99::/64 onward (to nowhere): a packet that reaches it with
    a TTL or hop limit of 1 gets its time exceeded; the router routes those prefixes via the WAN host."""
    lab = net.lab
    lab.sh("wan", ["sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"])
    for prefix, via_host, onward in BEYOND:
        lab.sh("wan", ["ip", "route", "add", prefix, "via", onward])
        lab.sh("rtr", ["ip", "route", "add", prefix, "via", via_host])


def _udp_ttl(net, src, sport, dst, dport, ttl, data):
    s = net.udp_socket(src, sport)
    if ttl:
        if ":" in src:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
        else:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    s.sendto(data, (dst, dport))
    time.sleep(0.2)
    s.close()
    time.sleep(0.2)


@scenario(home="probes/nat", dnat=ERRORS_DNAT, snat=ERRORS_NAT, nat_text={"snat": ERRORS_NAT, "dnat": ERRORS_DNAT},
          prepare=_beyond_the_wan_host,
          routes=["router: 192.0.2.0/24 via 203.0.113.10", "router: 2001:db8:99::/64 via 2001:db8:2::10"])
def icmp_errors(net, cap):
    """Masquerade (IPv4 and IPv6) and a UDP port forward, the hosts answering with their own stacks: UDP to a
    closed port (ICMP and ICMPv6 port unreachable), UDP with a TTL / hop limit of 2 to a prefix beyond the WAN
    host (time exceeded from it), a WAN query to the router's port 5353 forwarded to a LAN host without port 53,
    and a ping each way family."""
    _udp_ttl(net, "198.51.100.10", 40000, "203.0.113.10", 9000, 0, b"closed-port")
    _udp_ttl(net, "2001:db8:1::10", 40001, "2001:db8:2::10", 9001, 0, b"closed-port-6")
    _udp_ttl(net, "198.51.100.10", 40002, "192.0.2.5", 33434, 2, b"ttl-two")
    _udp_ttl(net, "2001:db8:1::10", 40003, "2001:db8:99::5", 33435, 2, b"hops-two")
    _udp_ttl(net, "203.0.113.10", 6000, "203.0.113.1", 5353, 0, b"forwarded-query")
    icmp_echo_raw(net, "198.51.100.10", "203.0.113.10", 4660, 1)
    time.sleep(0.3)
    icmp_echo_raw(net, "2001:db8:1::10", "2001:db8:2::10", 4661, 1, v6=True)
    time.sleep(0.3)
