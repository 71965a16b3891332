"""ICMP over IPv4: echo, errors related to tracked flows (also through NAT), path MTU discovery."""
import socket
import time

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw

from ..registry import scenario
from ..traffic import C1, C1_6, C2, RTR_LAN, RTR_WAN, SRV, SRV_6, WCLI
from .common import (GAP, ICMP6_ERRORS, MASQ_TEXT, answer_after_close, bulk, connect_nb, dnat_and_masq, icmp6_errors,
                     icmp_echo_raw, icmp_errors_tcp_steps, input_table, ping, reject_midflow, silenced, steps, udp_flow,
                     udp_to_closed)


REJECT4 = input_table("hostrej", 0, "tcp dport 5201 reject with icmp type host-unreachable",
                      "tcp dport 5202 reject with icmp type port-unreachable",
                      "tcp dport 5203 reject with icmp type admin-prohibited",
                      "tcp dport 5205 reject with icmp type net-unreachable")


@scenario(params={"ports": [5201, 5202, 5203, 5205, 5204, 5206]},
          prepare=lambda net: net.host_nft("wan", REJECT4))
def icmp_errors_tcp(net, cap):
    """TCP SYNs answered by the WAN host's nft reject with ICMP host-unreachable, port-unreachable,
    admin-prohibited and net-unreachable (each quoting the SYN; the host-unreachable one is a soft error, so the
    SYN may be retransmitted), then an established connection whose later data is rejected with
    admin-prohibited (ICMP quoting a data segment, then the client's RST), and one rejected with a TCP reset
    mid-flow. No NAT."""
    icmp_errors_tcp_steps(net, C1, SRV, "reject with icmp type admin-prohibited")


@scenario(masq=True, nat_text=MASQ_TEXT, params={"echo_id": 0x4242},
          prepare=lambda net: net.host_nft("wan", REJECT4))
def icmp_masq(net, cap):
    """Through masquerade: ping (2 echoes) to the server; two LAN hosts pinging with the same ICMP id (the
    second gets another id); UDP to a closed port (ICMP port unreachable translated back); TCP SYN to a closed
    port (RST); TCP SYN rejected with ICMP admin-prohibited by the server host; a UDP datagram with TTL 1 (the
    router answers time-exceeded itself); a UDP datagram with TTL 2 (forwarded with TTL 1)."""
    ping(net, "lan", "-c 2 -i 0.2 -W 1 %s" % SRV)
    connect_nb(net, C1, 44811, SRV, 5999, wait=0.2)
    r1 = icmp_echo_raw(net, C1, SRV, 0x4242, 1)
    time.sleep(GAP)
    r2 = icmp_echo_raw(net, C2, SRV, 0x4242, 1)
    net.note("same-id echoes answered: %s %s" % (r1, r2))
    time.sleep(GAP)
    u = net.udp_socket(C1, 42300)
    udp_to_closed(net, u, b"to a closed port\n", (SRV, 5999), "udp closed port")
    time.sleep(GAP)
    for sport, port in ((41500, 5999), (41501, 5203)):
        connect_nb(net, C1, sport, SRV, port, wait=0.2)
        time.sleep(GAP)
    t = net.udp_socket(C1, 42301)
    for ttl, data in ((1, b"ttl one\n"), (2, b"ttl two\n")):
        t.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        t.sendto(data, (SRV, 5998))
        time.sleep(GAP)


@scenario(params={})
def icmp_ttl_nonat(net, cap):
    """No NAT: UDP with TTL 1 (router's own time-exceeded), ping with TTL 1, TCP SYN with TTL 1, then a normal
    UDP exchange on the same ports (the TTL-1 datagram never got a confirmed entry)."""
    t = net.udp_socket(C1, 42401)
    srv = net.udp_socket(SRV, 5997)
    t.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    t.sendto(b"ttl one\n", (SRV, 5997))
    time.sleep(GAP)
    ping(net, "lan", "-c 1 -t 1 -W 0.5 %s" % SRV)
    c = net.tcp_socket(C1, 41601)
    c.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    c.setblocking(False)
    try:
        c.connect((SRV, 5996))
    except BlockingIOError:
        pass
    time.sleep(0.3)
    c.close()
    t.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 64)
    t.sendto(b"ttl normal\n", (SRV, 5997))
    d, a = srv.recvfrom(100)
    srv.sendto(b"reply\n", a)
    time.sleep(GAP)


@scenario(params={"uport": 5400},
          prepare=lambda net: net.host_nft("wan", input_table(
              "hostrej", 0, "icmp type echo-request ip saddr 198.51.100.11 reject with icmp type admin-prohibited")))
def icmp_errors_misc(net, cap):
    """ICMP: an error from the LAN host quoting a reply-direction packet (UDP reply to a closed client port ->
    related/original); an error quoting an ICMP echo request (admin-prohibited); ICMP timestamp request and
    reply; ping from the WAN to the router's WAN address; ping6 to the router's LAN address; an ICMP echo with
    a payload of 1400 bytes. No NAT."""
    us = net.udp_socket(SRV, 5400)
    uc = net.udp_socket(C1, 42900)
    answer_after_close(uc, us, b"hello", (b"reply 1", b"reply 2 to a closed port"), (SRV, 5400))
    ping(net, "lan", "-c 1 -W 0.5 -I 198.51.100.11 %s" % SRV)
    steps(net, IP(src=C1, dst=SRV) / ICMP(type=13, id=0x7777, seq=1) / Raw(b"\0" * 12))
    ping(net, "wan", "-c 1 -W 0.5 %s" % RTR_WAN)
    ping(net, "lan", "-6 -c 1 -W 0.5 2001:db8:1::1")
    ping(net, "lan", "-c 1 -s 1400 -W 0.5 %s" % SRV)


@scenario(masq=True, nat_text=MASQ_TEXT, params={"clash_port": 40200},
          prepare=lambda net: net.host_nft("wan", REJECT4))
def icmp_masq_clash(net, cap):
    """Masquerade with a port clash and ICMP errors: C1 and C2 both send UDP from port 40200 to a closed port of
    the server (the second is given another port; both port-unreachable errors must be translated back), then
    both connect TCP from port 40201 to a port rejected with ICMP admin-prohibited, then an established TCP
    flow through masquerade whose data is rejected mid-flow with ICMP host-unreachable."""
    for a in (C1, C2):
        u = net.udp_socket(a, 40200)
        udp_to_closed(net, u, b"closed", (SRV, 5999), "udp from %s" % a)
        time.sleep(GAP)
    for a in (C1, C2):
        connect_nb(net, a, 40201, SRV, 5203, wait=0.2)
        time.sleep(GAP)
    reject_midflow(net, C1, 40202, SRV, 5210, "reject with icmp type host-unreachable")


@scenario(masq=True, nat_text=MASQ_TEXT, mtu={"rtr:wan": 1280}, params={"cport": 45100, "port": 6800},
          prepare=lambda net: net.lab.sh("wan", "ip route replace 203.0.113.1 dev eth0 mtu 1280 advmss 1460"))
def pmtu_tcp_masq(net, cap):
    """Router WAN MTU 1280 (the WAN host keeps 1500 and advertises MSS 1460): the LAN client's full-size DF
    segments through masquerade get ICMP fragmentation-needed from the router (mtu 1280), the client
    retransmits smaller; 20 KB up, 20 KB down, client close."""
    bulk(net, 45100, 6800, 20000, "client")


DNAT2 = ['iifname "wan" ip daddr 203.0.113.1 udp dport 5454 dnat ip to 198.51.100.20:5999',
         'iifname "wan" ip daddr 203.0.113.1 tcp dport 2323 dnat ip to 198.51.100.20:23']


@scenario(**dnat_and_masq(DNAT2))
def icmp_dnat(net, cap):
    """DNAT plus masquerade: a WAN client's UDP to router:5454 DNATed to a closed LAN port (the LAN server's
    ICMP port unreachable is translated back to the router's address and port); a TCP SYN to router:2323
    DNATed to a closed LAN port (RST back through DNAT); a datagram to a router port nothing forwards (the
    router answers port unreachable itself); a SYN to a closed router port (the router's RST)."""
    u = net.udp_socket(WCLI, 40950)
    u.sendto(b"to a closed lan port", (RTR_WAN, 5454))
    time.sleep(GAP)
    connect_nb(net, WCLI, 40951, RTR_WAN, 2323, wait=0.2)
    time.sleep(GAP)
    u.sendto(b"to the router itself", (RTR_WAN, 5455))
    time.sleep(GAP)
    connect_nb(net, WCLI, 40952, RTR_WAN, 2324, wait=0.2)
    time.sleep(GAP)
    u2 = net.udp_socket(C1, 40953)
    u2.sendto(b"lan to router", (RTR_LAN, 5456))
    time.sleep(GAP)


@scenario(params={"ucport": 42950, "port": 5450}, prepare=silenced([]))
def icmp_error_types(net, cap):
    """Crafted ICMP errors from the server side quoting a live UDP flow: time exceeded, parameter problem,
    source quench, redirect, fragmentation needed, host unreachable; then an error quoting the flow with the
    inner addresses swapped (as if about a reply-direction packet), an error quoting an unknown flow, and an
    ICMPv6 set (time exceeded, parameter problem, packet too big, destination unreachable) quoting a live UDP/IPv6
    flow. No NAT."""
    uc, us = udp_flow(net, C1, 42950, SRV, 5450, b"hello", b"answer")
    quote = bytes(IP(src=C1, dst=SRV, ttl=63, id=1234) / UDP(sport=42950, dport=5450) / Raw(b"hello"))
    for t, c in ((11, 0), (12, 0), (4, 0), (5, 1), (3, 4), (3, 1)):
        net.send(IP(src=SRV, dst=C1) / ICMP(type=t, code=c, nexthopmtu=1200 if (t, c) == (3, 4) else 0,
                                            gw="203.0.113.30" if t == 5 else None) / Raw(quote))
        time.sleep(0.05)
    swapped = bytes(IP(src=SRV, dst=C1, ttl=63) / UDP(sport=5450, dport=42950) / Raw(b"answer"))
    net.send(IP(src=SRV, dst=C1) / ICMP(type=3, code=3) / Raw(swapped))
    time.sleep(0.05)
    net.send(IP(src=C1, dst=SRV) / ICMP(type=3, code=3) / Raw(swapped))
    time.sleep(0.05)
    unknown = bytes(IP(src=C1, dst=SRV, ttl=63) / UDP(sport=42951, dport=5450) / Raw(b"x"))
    net.send(IP(src=SRV, dst=C1) / ICMP(type=11, code=0) / Raw(unknown))
    time.sleep(0.05)
    uc6, us6 = udp_flow(net, C1_6, 42952, SRV_6, 5451, b"hello6", b"answer6")
    q6 = bytes(IPv6(src=C1_6, dst=SRV_6, hlim=63) / UDP(sport=42952, dport=5451) / Raw(b"hello6"))
    icmp6_errors(net, SRV_6, C1_6, q6, ICMP6_ERRORS)
    time.sleep(GAP)
