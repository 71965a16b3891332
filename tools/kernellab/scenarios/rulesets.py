"""Ruleset variants: notrack, dropping invalid packets, a stateful forward policy."""
import time

from ..registry import scenario
from ..traffic import C1, LSRV, LSRV_6, SRV, SRV_6, WCLI
from .common import (GAP, connect_nb, echo, hello_and_close, invalid_from_server, ping, silenced, steps, tcp_exchange,
                     udp_exchange, udp_to_closed)


NOTRACK = ['udp dport 7777 notrack', 'udp sport 7777 notrack', 'ip saddr 198.51.100.10 tcp dport 7778 notrack']


@scenario(raw=NOTRACK, params={"ucport": 42710, "cport": 44710})
def notrack_flow(net, cap):
    """A prerouting chain at priority raw with notrack for UDP port 7777 (both ways) and for TCP from
    198.51.100.10 to port 7778 (the client's segments only): UDP request/reply on 7777 (untracked both ways), a
    tracked UDP flow on 7779 alongside; a real TCP connection to 7778 with data and a client close (only the
    server's segments reach conntrack: its SYN/ACK first); ping. No NAT."""
    srv = net.udp_socket(SRV, 7777)
    udp_exchange(net, C1, 42710, SRV, 7777, server=srv, n=2)
    udp_exchange(net, C1, 42711, SRV, 7779, n=2)
    hello_and_close(net, C1, 44710, SRV, 7778)
    ping(net, "lan", "-c 1 -W 1 %s" % SRV)


@scenario(forward=("accept", ["ct state invalid counter drop"]), params={"cport": 44540, "port": 6240})
def fw_invalid_drop(net, cap):
    """tcp_invalid_server with `ct state invalid counter drop` in the forward chain: the invalid segments are
    not forwarded (the real connection never sees them); the connection continues and closes. No NAT."""
    invalid_from_server(net, 44540, 6240)


FW_STATEFUL = ("drop", ['ct state established,related counter accept',
                        'ct state invalid counter drop',
                        'iifname "lan" oifname "wan" ct state new counter accept',
                        'iifname "wan" oifname "lan" ip daddr { 198.51.100.16/28, 192.0.2.0/24 } udp dport 53 accept',
                        'iifname "wan" ip6 daddr 2001:db8:1::20 tcp dport 22 accept'])


@scenario(forward=FW_STATEFUL, params={"cport": 44720, "wport": 40720}, prepare=silenced([]))
def fw_stateful(net, cap):
    """Forward chain with policy drop: established/related accepted, invalid dropped, new accepted from lan to
    wan, and from wan only UDP 53 to 198.51.100.16/28 (a prefix set) and TCP 22 to [2001:db8:1::20]: a LAN
    client's TCP connection and UDP exchange; its UDP to a closed WAN port (the port unreachable is related:
    accepted); a WAN client's TCP SYN to a LAN host (new, dropped before confirmation), retransmitted; WAN UDP to
    198.51.100.20:53 (accepted, answered) and to 198.51.100.10:53 (dropped, twice); a crafted echo reply nobody
    asked for (invalid: dropped); IPv6 TCP from the WAN to [2001:db8:1::20]:22 (accepted) and port 23
    (dropped). No NAT."""
    hello_and_close(net, C1, 44720, SRV, 7720)
    udp_exchange(net, C1, 44721, SRV, 7721)
    u = net.udp_socket(C1, 44722)
    udp_to_closed(net, u, b"to a closed port", (SRV, 5999), "udp closed port")
    connect_nb(net, WCLI, 40720, C1, 7722, wait=1.3)
    udp_exchange(net, WCLI, 40721, LSRV, 53)
    w = net.udp_socket(WCLI, 40722)
    for _ in range(2):
        w.sendto(b"to a lan host outside the set", (C1, 53))
        time.sleep(GAP)
    steps(net, echo(SRV, C1, 0x6b6b, 1, reply=True))
    ls = net.tcp_listen(LSRV_6, 22)
    tcp_exchange(net, SRV_6, 40723, LSRV_6, 22, listener=ls)
    ls.close()
    connect_nb(net, SRV_6, 40724, LSRV_6, 23, wait=0.3)
