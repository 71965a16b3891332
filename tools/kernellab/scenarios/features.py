"""Conntrack features driven by nftables: zones (IPv6, NAT), marks and labels in both directions, timeout policies
replaced at runtime, connection counts of several clients. The rulesets follow the oracle's feature cases: objects
and sets at the top of the table, zones in chain raw_pre, marks, labels and policies in chain ct_pre (after ctlog),
counts in forward."""
import time

from ..registry import scenario
from ..ruleset import CTLOG, chain
from ..traffic import C1, C1_6, C2, LSRV, LSRV_6, SRV, SRV_6, WCLI
from .common import GAP, HELLO, MASQ_TEXT, close_pair, connect_nb, exchange, hello_and_close, ping, udp_ask, udp_exchange


ZONES6_RAW = ['iifname "lan" ip6 saddr 2001:db8:1::10 ct zone set 3',
              'iifname "wan" ip6 daddr 2001:db8:1::10 ct zone set 3']
ZONES6_PRE = ['ct zone 3 ct state new ct mark set 0x00000033',
              'ct zone 3 ct direction reply ct mark and 0x0000000f == 0x00000003 ct mark set 0x00000034',
              'ip6 nexthdr udp ct state new ct mark set 0x00000044',
              'ct original zone 3 ct state new ct label set 70',
              'ct mark & 0x000000f0 == 0x00000030 meta mark set ct mark']


@scenario(raw=ZONES6_RAW, ct_pre=ZONES6_PRE, xml=True, params={"cport": 46300, "port": 8300, "ucport": 46301})
def zones_v6_marks(net, cap):
    """IPv6 in a zone of both directions (`ct zone set 3` for the LAN host's address on lan and for packets to it on
    wan): a TCP connection and a UDP exchange from [2001:db8:1::10] in zone 3 (zone=3), marked by zone (0x33, changed
    by the first reply through a masked match to 0x34), a label above 63 by `ct original zone`; the same flows from
    [2001:db8:1::20] in zone 0 (UDP marked by protocol); ping6 from both. No NAT."""
    ls = net.tcp_listen(SRV_6, 8300)
    c, s = net.tcp_pair(C1_6, 46300, SRV_6, 8300, listener=ls)
    time.sleep(GAP)
    exchange(net, c, s, *HELLO)
    udp_exchange(net, C1_6, 46301, SRV_6, 8301, n=2)
    c2, s2 = net.tcp_pair(LSRV_6, 46302, SRV_6, 8300, listener=ls)
    time.sleep(GAP)
    exchange(net, c2, s2, *HELLO)
    udp_exchange(net, LSRV_6, 46303, SRV_6, 8301, n=2)
    ping(net, "lan", "-6 -c 1 -W 1 -I %s %s" % (C1_6, SRV_6))
    ping(net, "lan", "-6 -c 1 -W 1 -I %s %s" % (LSRV_6, SRV_6))
    close_pair(c, s)
    close_pair(c2, s2)
    ls.close()
    time.sleep(GAP)


ZONES_NAT_RAW = ['iifname "lan" ip saddr 198.51.100.10 ct original zone set 1',
                 'iifname "lan" ip saddr 198.51.100.11 ct original zone set 2',
                 'iifname "wan" ip daddr 203.0.113.1 tcp dport 8080 ct original zone set 9']
ZONES_NAT_DNAT = ['iifname "wan" ip daddr 203.0.113.1 tcp dport 8080 dnat ip to 198.51.100.20:80']


@scenario(raw=ZONES_NAT_RAW, ct_pre=['ct original zone 9 ct mark set 0x00000009'], dnat=ZONES_NAT_DNAT, masq=True,
          nat_text={"dnat": ZONES_NAT_DNAT, "masquerade": MASQ_TEXT["masquerade"]},
          params={"cport": 40600, "ucport": 40601, "wport": 40602})
def zones_nat(net, cap):
    """NAT with zones of the original direction: two LAN clients (zones 1 and 2) open TCP connections from the same
    source port to the same server and send UDP from the same port: masquerade keeps the first client's port and
    moves the second one's (both reply tuples are in zone 0); the server's port unreachable for a UDP flow of zone 2
    is related; a WAN client reaches the LAN server through DNAT in zone 9 (zone-orig=9, marked by zone), its replies
    found in zone 0. Ports chosen by the kernel at random are renamed by the comparison."""
    ls = net.tcp_listen(SRV, 7600)
    c1, s1 = net.tcp_pair(C1, 40600, SRV, 7600, listener=ls)
    c2, s2 = net.tcp_pair(C2, 40600, SRV, 7600, listener=ls)
    time.sleep(GAP)
    exchange(net, c1, s1, *HELLO)
    exchange(net, c2, s2, *HELLO)
    srv = net.udp_socket(SRV, 7601)
    u1 = net.udp_socket(C1, 40601)
    u2 = net.udp_socket(C2, 40601)
    udp_ask(u1, srv, b"zone 1 asks", b"zone 1 answer", (SRV, 7601))
    time.sleep(GAP)
    udp_ask(u2, srv, b"zone 2 asks", b"zone 2 answer", (SRV, 7601))
    time.sleep(GAP)
    u2.sendto(b"to a closed port", (SRV, 7699))
    time.sleep(GAP)
    web = net.tcp_listen(LSRV, 80)
    w, ws = net.tcp_pair(WCLI, 40602, "203.0.113.1", 8080, listener=web)
    time.sleep(GAP)
    exchange(net, w, ws, b"GET / HTTP/1.0\r\n\r\n", b"HTTP/1.0 200 OK\r\n\r\nzone 9\n")
    close_pair(w, ws)
    close_pair(c1, s1)
    close_pair(c2, s2)
    web.close()
    ls.close()
    time.sleep(GAP)


POLICIES = ["""\tct timeout udp_p {
\t\tprotocol udp
\t\tl3proto ip
\t\tpolicy = { unreplied : 3 }
\t}
""", """\tct timeout tcp_p {
\t\tprotocol tcp
\t\tl3proto ip
\t\tpolicy = { established : 15, time_wait : 9 }
\t}
"""]
POLICIES_NEW = ["""\tct timeout udp_p {
\t\tprotocol udp
\t\tl3proto ip
\t\tpolicy = { unreplied : 5, replied : 25 }
\t}
""", """\tct timeout tcp_p {
\t\tprotocol tcp
\t\tl3proto ip
\t\tpolicy = { established : 25 }
\t}
"""]
POLICY_PRE = ['ct state new udp dport 5353 ct timeout set "udp_p"', 'ct state new tcp dport 5001 ct timeout set "tcp_p"']
POLICY_SYSCTLS = {"nf_conntrack_udp_timeout": 44, "nf_conntrack_udp_timeout_stream": 90,
                  "nf_conntrack_tcp_timeout_syn_sent": 60}


def policy_ruleset(objects):
    return ("table inet oracle {\n" + "\n".join(objects + [CTLOG, chain("ct_pre", "filter hook prerouting priority filter",
                                                                       POLICY_PRE),
                                                          chain("forward", "filter hook forward priority filter")])
            + "}\n")


@scenario(objects=POLICIES, ct_pre=POLICY_PRE, sysctls=POLICY_SYSCTLS,
          params={"ucport": 41500, "cport": 41510, "wait": 2.2})
def timeout_policy_runtime(net, cap):
    """Timeout policies replaced at runtime, with sysctls changed from the defaults (udp 44, udp stream 90, tcp
    syn_sent 60): a UDP flow to 5353 under udp_p (unreplied 3; replied not given: nft's 120, not the sysctl), a TCP
    connection to 5001 under tcp_p (established 15; syn_sent not given: nft's 120), a UDP flow without policy (44); the
    policied UDP flow becomes a stream after 2 s (replied 120). Then the ruleset is loaded again with new values
    (udp_p unreplied 5 replied 25, tcp_p established 25): the connections that had the old objects lose their policy
    (nf_ct_untimeout) and go by the sysctls (stream 90, established 432000, time_wait 120), new ones get the new
    values. No NAT."""
    srv = net.udp_socket(SRV, 5353)
    other = net.udp_socket(SRV, 5454)
    a = net.udp_socket(C1, 41500)
    t0 = time.monotonic()
    udp_ask(a, srv, b"query A1", b"answer A1", (SRV, 5353))
    time.sleep(GAP)
    ls = net.tcp_listen(SRV, 5001)
    c, s = net.tcp_pair(C1, 41510, SRV, 5001, listener=ls)
    time.sleep(GAP)
    exchange(net, c, s, *HELLO)
    b = net.udp_socket(C1, 41501)
    udp_ask(b, other, b"query B1", b"answer B1", (SRV, 5454))
    d = t0 + 2.2 - time.monotonic()
    if d > 0:
        time.sleep(d)
    udp_ask(a, srv, b"query A2", b"answer A2", (SRV, 5353))
    time.sleep(GAP)
    cap.change_ruleset(policy_ruleset(POLICIES_NEW))
    time.sleep(GAP)
    udp_ask(a, srv, b"query A3", b"answer A3", (SRV, 5353))
    time.sleep(GAP)
    exchange(net, c, s, b"more\n", b"more back\n")
    time.sleep(GAP)
    n = net.udp_socket(C1, 41502)
    udp_ask(n, srv, b"query N1", b"answer N1", (SRV, 5353))
    time.sleep(GAP)
    c2, s2 = net.tcp_pair(C1, 41511, SRV, 5001, listener=ls)
    time.sleep(GAP)
    exchange(net, c2, s2, *HELLO)
    close_pair(c, s)
    close_pair(c2, s2)
    ls.close()
    time.sleep(GAP)


COUNT_OBJECTS = ["""\tset per_src {
\t\ttype ipv4_addr
\t\tsize 65535
\t\tflags dynamic
\t}
""", """\tset per_src6 {
\t\ttype ipv6_addr
\t\tflags dynamic
\t}
"""]
COUNT_FORWARD = ("accept", ['ct state new tcp dport 5222 add @per_src { ip saddr ct count over 2 } reject with tcp reset',
                            'ct state new tcp dport 5222 add @per_src6 { ip6 saddr ct count over 1 } reject with tcp reset',
                            'ct state new udp dport 5353 ct count over 3 drop'])


@scenario(objects=COUNT_OBJECTS, forward=COUNT_FORWARD, params={"port": 5222})
def ct_count_clients(net, cap):
    """Per-source connection counts (`add @per_src { ip saddr ct count over 2 } reject with tcp reset`) with three
    IPv4 clients: 198.51.100.10 opens two, its third SYN is answered by the router's RST; .11 opens two; .20 one;
    .10 aborts one connection (RST: CLOSE, not counted) and closes another (FIN: TIME_WAIT, not counted) and can
    connect twice again; the IPv6 set allows one per source ([2001:db8:1::10] gets an IPv6 RST for its second);
    a rule-wide `ct count over 3` drops the fourth new UDP flow to 5353 whatever its source. No NAT."""
    ls = net.tcp_listen(SRV, 5222, backlog=32)
    ls6 = net.tcp_listen(SRV_6, 5222, backlog=8)
    keep = []
    for src, port in ((C1, 45200), (C1, 45201)):
        keep.append(net.tcp_pair(src, port, SRV, 5222, listener=ls))
        time.sleep(GAP)
    connect_nb(net, C1, 45202, SRV, 5222)
    for src, port in ((C2, 45210), (C2, 45211), (LSRV, 45220)):
        keep.append(net.tcp_pair(src, port, SRV, 5222, listener=ls))
        time.sleep(GAP)
    connect_nb(net, C2, 45212, SRV, 5222)
    c, s = keep.pop(0)
    net.abort(c)
    s.close()
    time.sleep(GAP)
    c, s = keep.pop(0)
    close_pair(c, s)
    time.sleep(GAP)
    for port in (45203, 45204):
        keep.append(net.tcp_pair(C1, port, SRV, 5222, listener=ls))
        time.sleep(GAP)
    connect_nb(net, C1, 45205, SRV, 5222)
    keep.append(net.tcp_pair(C1_6, 45230, SRV_6, 5222, listener=ls6))
    time.sleep(GAP)
    connect_nb(net, C1_6, 45231, SRV_6, 5222)
    srv = net.udp_socket(SRV, 5353)
    for i in range(5):
        u = net.udp_socket(C1, 45240 + i)
        u.sendto(b"flow %d" % i, (SRV, 5353))
        time.sleep(GAP)
    for c, s in keep:
        close_pair(c, s)
    ls.close()
    ls6.close()
    time.sleep(GAP)


LABELS_PRE = ['ct state new ip saddr 198.51.100.10 ct label set 1',
              'ct direction reply ct state established ct label set 2',
              'ct direction original ct state established ct label set 100',
              'ct label 2 ct label != 2 ct mark set 0x00000002',
              'ct label == 1 meta mark set 0x00000005',
              'ct label 100 udp sport 5353 ct label set 66']


@scenario(ct_pre=LABELS_PRE, xml=True, params={"cport": 44700, "ucport": 44701})
def labels_both_directions(net, cap):
    """Connection labels set in both directions: label 1 on the first packet from 198.51.100.10, label 2 by the first
    reply-direction packet (an UPDATE carrying the labels), label 100 (the high word) by the first established
    original-direction packet, label 66 by a UDP answer that finds label 100; matches by label decide marks. TCP and
    UDP from both clients, a ping. No NAT."""
    hello_and_close(net, C1, 44700, SRV, 5001)
    udp_exchange(net, C1, 44701, SRV, 5353, n=2)
    hello_and_close(net, C2, 44702, SRV, 5001)
    udp_exchange(net, C2, 44703, SRV, 5353, n=2)
    ping(net, "lan", "-c 1 -W 1 -I %s %s" % (C1, SRV))


RESET_OBJECTS = ["""\tct timeout tcp_close {
\t\tprotocol tcp
\t\tl3proto ip6
\t\tpolicy = { close : 3 }
\t}
"""]
RESET_PRE = ['ct direction original ct state established tcp dport 8400 ct mark 0x00000002 ct mark set 0x00000003',
             'ct direction original ct state established tcp dport 8400 ct mark 0x00000001 ct mark set 0x00000002',
             'ct state new tcp dport 8400 ct mark set 0x00000001',
             'ct state new ip6 daddr 2001:db8:2::10 tcp dport 8400 ct timeout set "tcp_close"']
RESET_FORWARD = ("accept", ['ct mark 0x00000003 reject with tcp reset', 'tcp dport 8402 reject with tcp reset'])


@scenario(objects=RESET_OBJECTS, ct_pre=RESET_PRE, forward=RESET_FORWARD, xml=True,
          params={"cport": 46400, "port": 8400})
def reject_established(net, cap):
    """`reject with tcp reset` of an established connection: marks count a connection's original-direction packets
    (the SYN 1, the handshake's ACK 2, the first data 3) and the forward chain rejects the client's first data
    segment: the router answers it with a RST and conntrack marks the connection closing (nf_ct_set_closing: CLOSE
    with CLOSE's timeout, 10 s, or 3 s from the IPv6 connection's timeout policy, and an UPDATE event); the server's
    later data finds the connection in CLOSE (it stays there) and is rejected in turn (a RST to the server, the
    connection closing already). IPv4 and IPv6; a connection to 8401 for comparison; a SYN to 8402 rejected (no
    entry). No NAT."""
    ls = net.tcp_listen(SRV, 8400)
    ls6 = net.tcp_listen(SRV_6, 8400)
    pairs = [net.tcp_pair(C1, 46400, SRV, 8400, listener=ls), net.tcp_pair(C1_6, 46401, SRV_6, 8400, listener=ls6)]
    time.sleep(GAP)
    for c, s in pairs:
        try:
            c.send(b"rejected\n")
        except OSError as e:
            net.note("send: %s" % e)
        time.sleep(GAP)
        try:
            s.send(b"late answer\n")
        except OSError as e:
            net.note("send: %s" % e)
        time.sleep(GAP)
        s.close()
        c.close()
        time.sleep(GAP)
    hello_and_close(net, C1, 46402, SRV, 8401)
    connect_nb(net, C1, 46403, SRV, 8402)
    ls.close()
    ls6.close()
    time.sleep(GAP)
