"""IPv6 forms of TCP, ICMPv6 errors, path MTU and NAT (masquerade, SNAT, DNAT) for IPv6."""
import socket
import time

from scapy.layers.inet import UDP
from scapy.layers.inet6 import ICMPv6DestUnreach, ICMPv6PacketTooBig, IPv6
from scapy.packet import Raw

from ..registry import scenario
from ..traffic import C1_6, LSRV_6, RTR_WAN_6, SRV_6
from .common import (GAP, ICMP6_ERRORS, MASQ_TEXT, NAT6, bulk, connect_nb, exchange, forwarded_ssh, hello_and_close,
                     icmp6_errors, icmp_echo_raw, icmp_errors_tcp_steps, input_table, ping, send_late, try_send,
                     udp_exchange, udp_flow, udp_to_closed)


@scenario(params={"v6_cport": 46100, "v6_tcp": 8181})
def tcp_basic6(net, cap):
    """IPv6 TCP: handshake, request, response, client FIN close; then the same 4-tuple is not reused. No NAT."""
    hello_and_close(net, C1_6, 46100, SRV_6, 8181)


@scenario(params={"v6_cport": 46200, "closed_port": 5999})
def tcp_refused6(net, cap):
    """IPv6: two SYNs to a closed port, each answered by RST/ACK from the server host. No NAT."""
    for cp in (46200, 46201):
        c = net.tcp_socket(C1_6, cp)
        c.settimeout(2)
        try:
            c.connect((SRV_6, 5999))
        except OSError as e:
            net.note("connect from %d: %r" % (cp, e))
        c.close()
        time.sleep(GAP)


@scenario(params={"v6_cport": 46300, "v6_tcp": 8183})
def tcp_abort6(net, cap):
    """IPv6: established connection, client aborts (SO_LINGER 0), server's late data gets a RST. No NAT."""
    c, s = net.tcp_pair(C1_6, 46300, SRV_6, 8183)
    exchange(net, c, s, b"hello\n", b"world\n")
    time.sleep(GAP)
    net.abort(c)
    time.sleep(GAP)
    send_late(net, s, b"late\n", bufsize=10)
    s.close()


REJECT6 = input_table("hostrej", 0, "tcp dport 5201 reject with icmpv6 type addr-unreachable",
                      "tcp dport 5202 reject with icmpv6 type port-unreachable",
                      "tcp dport 5203 reject with icmpv6 type admin-prohibited",
                      "tcp dport 5205 reject with icmpv6 type no-route")


@scenario(params={"ports": [5201, 5202, 5203, 5205, 5204, 5206]},
          prepare=lambda net: net.host_nft("wan", REJECT6))
def icmp_errors_tcp6(net, cap):
    """IPv6 version of icmp_errors_tcp: ICMPv6 address-unreachable, port-unreachable, admin-prohibited and
    no-route answering SYNs, then admin-prohibited and a TCP reset mid-flow. No NAT."""
    icmp_errors_tcp_steps(net, C1_6, SRV_6, "reject with icmpv6 type admin-prohibited")


@scenario(masq=True, nat_text=MASQ_TEXT, params={})
def icmp6_errors_udp(net, cap):
    """IPv6 (masquerade only covers IPv4, so untranslated): UDP to a closed port (ICMPv6 port unreachable),
    hop limit 1 UDP (router's ICMPv6 time exceeded), ping6 with hop limit 1, normal ping6."""
    u = net.udp_socket(C1_6, 42500)
    udp_to_closed(net, u, b"closed port\n", (SRV_6, 5999), "udp6 closed")
    time.sleep(GAP)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 1)
    u.sendto(b"hop one\n", (SRV_6, 5998))
    time.sleep(GAP)
    ping(net, "lan", "-6 -c 1 -t 1 -W 0.5 %s" % SRV_6)
    ping(net, "lan", "-6 -c 2 -i 0.2 -W 1 %s" % SRV_6)


@scenario(mtu={"rtr:lan": 1280}, params={"cport": 45200, "port": 6900},
          prepare=lambda net: net.lab.sh("lan", "ip -6 route replace default via 2001:db8:1::1 dev eth0 mtu 1280 advmss 1440"))
def pmtu_tcp6(net, cap):
    """IPv6, router LAN MTU 1280 (LAN host keeps 1500): the server's full-size segments get ICMPv6
    packet-too-big from the router; 20 KB each way. No NAT."""
    bulk(net, 45200, 6900, 20000, "client", src=C1_6, dst=SRV_6)


SNAT6_TO = "2001:db8:2::100"


SNAT6_ADDR = ['oifname "wan" ip6 saddr 2001:db8:1::/64 snat ip6 to %s' % SNAT6_TO]


SNAT6_RANGE = ['oifname "wan" ip6 saddr 2001:db8:1::/64 meta l4proto { tcp, udp } '
               'snat ip6 to [2001:db8:2::1]:20000-20049']


def preps(*steps_):
    """prepare: several prepare steps in turn."""
    def prep(net):
        for p in steps_:
            p(net)
    return prep


def reject6(net):
    net.host_nft("wan", REJECT6)


def wan_neighbour(addr):
    """prepare: the WAN host reaches ``addr`` (a NAT address the router does not own, so nobody answers
    neighbour solicitations for it) through the router's MAC."""
    def prep(net):
        net.lab.sh("wan", ["ip", "neigh", "replace", addr, "lladdr", "02:00:00:00:02:01", "dev", "eth0", "nud",
                           "permanent"])
    return prep


def _nat6_traffic(net, cport, port):
    """IPv6 from the LAN through source NAT: hello and client close on TCP; UDP request/reply twice from
    (C1_6, cport + 1), then from LSRV_6 with the same port (a clash); UDP to a closed port (port unreachable);
    TCP SYNs to a closed port (RST) and to port 5203 (REJECT6: admin-prohibited); ping6."""
    hello_and_close(net, C1_6, cport, SRV_6, port)
    srv = net.udp_socket(SRV_6, port + 1)
    for a in (C1_6, LSRV_6):
        udp_exchange(net, a, cport + 1, SRV_6, port + 1, server=srv, n=2)
    u = net.udp_socket(C1_6, cport + 2)
    udp_to_closed(net, u, b"to a closed port", (SRV_6, 5999), "udp6 closed port")
    time.sleep(GAP)
    for sport, dport in ((cport + 3, 5999), (cport + 4, 5203)):
        connect_nb(net, C1_6, sport, SRV_6, dport, wait=0.2)
        time.sleep(GAP)
    ping(net, "lan", "-6 -c 2 -i 0.2 -W 1 %s" % SRV_6)


@scenario(params={"v6_cport": 46400, "port": 8400}, prepare=reject6, **NAT6)
def masq6_basic(net, cap):
    """IPv6 masquerade of 2001:db8:1::/64 out of wan (to 2001:db8:2::1): TCP hello and client close; UDP
    request/reply twice, then from a second LAN address with the same source port (another port is picked);
    UDP to a closed port (ICMPv6 port unreachable translated back); TCP SYN to a closed port (RST) and one
    rejected with ICMPv6 admin-prohibited; ping6 (2 echoes)."""
    _nat6_traffic(net, 46400, 8400)


@scenario(snat=SNAT6_ADDR, nat_text={"snat": SNAT6_ADDR}, params={"v6_cport": 46440, "port": 8440},
          prepare=preps(reject6, wan_neighbour(SNAT6_TO)))
def snat6_addr(net, cap):
    """snat ip6 to 2001:db8:2::100 (not one of the router's addresses; the WAN host has a static neighbour entry
    for it): the traffic of masq6_basic (TCP, UDP with a port clash, port unreachable, RST, admin-prohibited,
    ping6 with its echo id kept)."""
    _nat6_traffic(net, 46440, 8440)


@scenario(snat=SNAT6_RANGE, nat_text={"snat": SNAT6_RANGE}, params={"v6_cport": 46450, "port": 8450},
          prepare=reject6)
def snat6_port_range(net, cap):
    """snat ip6 to [2001:db8:2::1]:20000-20049 for TCP and UDP (the clients' ports are outside: the kernel
    picks one at random in the range): the traffic of masq6_basic; ping6 is not NATed (the rule only takes TCP
    and UDP)."""
    _nat6_traffic(net, 46450, 8450)


@scenario(params={"echo_id": 0x4343, "v6_cport": 46410, "port": 8410}, **NAT6)
def icmp6_masq(net, cap):
    """ICMPv6 through IPv6 masquerade: raw echo requests with the same id from two LAN addresses (the second
    gets another id); a live UDP flow, then crafted errors from the WAN host quoting its masqueraded datagram
    (packet too big with mtu 1280, time exceeded, parameter problem, address unreachable), each translated back
    to the LAN host; a datagram with hop limit 1 (the router's own time exceeded, before NAT) and one with hop
    limit 2 (forwarded with hop limit 1)."""
    r = [icmp_echo_raw(net, a, SRV_6, 0x4343, 1, v6=True) for a in (C1_6, LSRV_6)]
    net.note("same-id echoes answered: %s" % r)
    time.sleep(GAP)
    u, _ = udp_flow(net, C1_6, 46410, SRV_6, 8410, b"hello6", b"answer6")
    quote = bytes(IPv6(src=RTR_WAN_6, dst=SRV_6, hlim=63) / UDP(sport=46410, dport=8410) / Raw(b"hello6"))
    icmp6_errors(net, SRV_6, RTR_WAN_6, quote, (ICMPv6PacketTooBig(mtu=1280),) + ICMP6_ERRORS[:2]
                 + (ICMPv6DestUnreach(code=3),))
    time.sleep(GAP)
    for hops in (1, 2):
        u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hops)
        u.sendto(b"hop limit %d\n" % hops, (SRV_6, 8411))
        time.sleep(GAP)


DNAT6 = ['iifname "wan" ip6 daddr 2001:db8:2::1 tcp dport 2222 dnat ip6 to [2001:db8:1::20]:22',
         'iifname "wan" ip6 daddr 2001:db8:2::1 udp dport 5353 dnat ip6 to [2001:db8:1::20]:53',
         'iifname "wan" ip6 daddr 2001:db8:2::1 udp dport 5602 dnat ip6 to [2001:db8:1::20]:5603']


@scenario(dnat=DNAT6, nat_text={"dnat": DNAT6}, mtu={"lan": 1280}, params={"wport": 46420})
def dnat6_portforward(net, cap):
    """IPv6 port forwards of the router's 2001:db8:2::1 to [2001:db8:1::20], LAN MTU 1280: TCP 2222 -> :22 with
    data both ways (2000 bytes back) and a client close; UDP 5353 -> :53, two exchanges; UDP 5602 -> :5603 where
    nothing listens (the LAN host's port unreachable translated back); a 1400-byte datagram to 5353 (too big for
    the LAN: the router's packet-too-big quotes it translated back to the router's address and port), sent
    again after the WAN host learned the MTU (fragmented by it: reassembled, DNATed, refragmented)."""
    forwarded_ssh(net, SRV_6, 46420, RTR_WAN_6, LSRV_6)
    us = net.udp_socket(LSRV_6, 53)
    uc, _ = udp_exchange(net, SRV_6, 46421, RTR_WAN_6, 5353, server=us, n=2)
    c2 = net.udp_socket(SRV_6, 46422)
    c2.sendto(b"to a closed lan port", (RTR_WAN_6, 5602))
    time.sleep(GAP)
    for _ in range(2):
        try_send(net, uc, b"b" * 1400, (RTR_WAN_6, 5353))
        time.sleep(GAP)
    try:
        _, peer = us.recvfrom(5000)
        us.sendto(b"big one received", peer)
    except OSError as e:
        net.note("big datagram: %r" % e)
    time.sleep(GAP)


@scenario(mtu={"rtr:wan": 1280}, params={"v6_cport": 46430, "port": 8430},
          prepare=lambda net: net.lab.sh("wan", "ip -6 route replace 2001:db8:2::1 dev eth0 mtu 1280 advmss 1440"),
          **NAT6)
def pmtu_tcp6_masq(net, cap):
    """IPv6 masquerade, router WAN MTU 1280 (the WAN host keeps 1500 and advertises MSS 1440): the LAN client's
    full-size segments get packet-too-big from the router (quoting them before source NAT), the client sends
    smaller ones; 20 KB each way, client close."""
    bulk(net, 46430, 8430, 20000, "client", src=C1_6, dst=SRV_6)
