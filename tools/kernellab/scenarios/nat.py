"""NAT over IPv4: DNAT and port forwards, SNAT ranges, masquerade flags, port clashes, hairpin NAT."""
import time

from ..registry import scenario
from ..traffic import C1, C2, LSRV, RTR_WAN, SRV, WCLI
from .common import (GAP, HELLO, MASQ_TEXT, answer_after_close, close_pair, connect_nb, deliver, exchange,
                     forwarded_ssh, input_table, ping, send_late, silenced, tcp_exchange, udp_ask, udp_exchange)


DNAT_RULES = ['iifname "wan" ip daddr 203.0.113.1 tcp dport 2222 dnat ip to 198.51.100.20:22',
              'iifname "wan" ip daddr 203.0.113.1 udp dport 5353 dnat ip to 198.51.100.20:53',
              'iifname "wan" ip daddr 203.0.113.1 tcp dport 8443 dnat ip to 198.51.100.20']


@scenario(dnat=DNAT_RULES, nat_text={"dnat": DNAT_RULES})
def dnat_other_ports(net, cap):
    """DNAT: WAN client to router:2222 -> LAN server :22 (TCP, data both ways, client close); UDP to
    router:5353 -> LAN :53 (two exchanges); TCP to router:8443 -> LAN server same port (server closes first);
    a UDP datagram to router:5353 from another WAN address."""
    forwarded_ssh(net, WCLI, 40900, RTR_WAN, LSRV)
    time.sleep(GAP)
    us = net.udp_socket(LSRV, 53)
    uc = net.udp_socket(WCLI, 40901)
    for i in range(2):
        udp_ask(uc, us, b"query %d" % i, b"answer %d" % i, (RTR_WAN, 5353))
        time.sleep(GAP)
    uc2 = net.udp_socket(SRV, 40902)
    udp_ask(uc2, us, b"other wan host", b"answer other", (RTR_WAN, 5353))
    time.sleep(GAP)
    ls2 = net.tcp_listen(LSRV, 8443)
    c, s = net.tcp_pair(WCLI, 40903, RTR_WAN, 8443, listener=ls2)
    deliver(net, c, s, b"GET\n")
    s.sendall(b"200 OK\n")
    s.close()
    net.recv_exact(c, 7)
    c.recv(10)
    c.close()
    ls2.close()
    time.sleep(0.2)


@scenario(masq=True, nat_text=MASQ_TEXT, params={"clash_port": 40100, "clash_udp_dport": 9100})
def snat_clash_udp(net, cap):
    """Three LAN hosts send UDP from source port 40100 to the same server:9100 through masquerade (the 2nd and
    3rd get other ports), each answered twice; then the same for TCP from port 40101 with three hosts."""
    srv = net.udp_socket(SRV, 9100)
    socks = [net.udp_socket(a, 40100) for a in (C1, C2, LSRV)]
    for s in socks:
        s.sendto(b"hello", (SRV, 9100))
        d, a = srv.recvfrom(100)
        net.note("udp server saw %s" % (a,))
        srv.sendto(b"hi 1", a)
        srv.sendto(b"hi 2", a)
        s.recvfrom(100)
        s.recvfrom(100)
        time.sleep(GAP)
    ls = net.tcp_listen(SRV, 9101)
    pairs = []
    for a in (C1, C2, LSRV):
        c, s = net.tcp_pair(a, 40101, SRV, 9101, listener=ls)
        net.note("tcp server saw %s" % (s.getpeername(),))
        deliver(net, c, s, b"client\n")
        pairs.append((c, s))
        time.sleep(GAP)
    for c, s in pairs:
        c.close()
    time.sleep(0.05)
    for c, s in pairs:
        s.recv(10)
        s.close()
    ls.close()
    time.sleep(0.2)


SNAT_RANGE = ['oifname "wan" ip saddr 198.51.100.0/24 meta l4proto { tcp, udp } snat ip to 203.0.113.1:20000-20049']


@scenario(snat=SNAT_RANGE, nat_text={"snat": SNAT_RANGE}, params={"ucport": 35600, "cport": 45950})
def snat_port_range(net, cap):
    """snat to the router's address with ports 20000-20049 (the clients' ports are outside: the kernel picks
    one at random in the range): UDP request/reply, a second UDP flow from another LAN host, a UDP datagram to a
    closed port (the port unreachable quotes the kernel's port), two TCP connections one after the other, an
    unanswered UDP flow."""
    udp_exchange(net, C1, 35600, SRV, 7006, n=2)
    udp_exchange(net, C2, 35601, SRV, 7007)
    u = net.udp_socket(C1, 35602)
    u.sendto(b"to a closed port", (SRV, 5999))
    time.sleep(GAP)
    ls = net.tcp_listen(SRV, 7008)
    tcp_exchange(net, C1, 45950, SRV, 7008, listener=ls)
    tcp_exchange(net, C1, 45951, SRV, 7008, listener=ls, closer="server")
    ls.close()
    u2 = net.udp_socket(C1, 35603)
    u2.sendto(b"never answered", (SRV, 7009))
    time.sleep(GAP)


SNAT_KEEP = ['oifname "wan" ip saddr 198.51.100.0/24 meta l4proto { tcp, udp } snat ip to 203.0.113.1:35000-35999']


@scenario(snat=SNAT_KEEP, nat_text={"snat": SNAT_KEEP}, params={"ucport": 35700})
def snat_port_range_keep(net, cap):
    """snat to the router's address with ports 35000-35999: clients whose ports are inside keep them; two LAN
    hosts with the same port to the same server (the second gets a random port in the range), answered; a
    client port outside the range (random in the range)."""
    srv = net.udp_socket(SRV, 7010)
    udp_exchange(net, C1, 35700, SRV, 7010, server=srv)
    udp_exchange(net, C2, 35700, SRV, 7010, server=srv)
    udp_exchange(net, C1, 36700, SRV, 7010, server=srv)


MASQ_PERSIST = ['oifname "wan" ip saddr 198.51.100.0/24 masquerade persistent']


@scenario(snat=MASQ_PERSIST, nat_text={"masquerade": "persistent, 198.51.100.0/24 out of wan"},
          params={"clash_port": 40300})
def masq_persistent(net, cap):
    """masquerade persistent: UDP from three LAN hosts with the same source port to one server port (clashes
    get other ports), TCP from two hosts with the same port, a ping."""
    srv = net.udp_socket(SRV, 9300)
    for a in (C1, C2, LSRV):
        udp_exchange(net, a, 40300, SRV, 9300, server=srv)
    ls = net.tcp_listen(SRV, 9301)
    for a in (C1, C2):
        tcp_exchange(net, a, 40301, SRV, 9301, listener=ls)
    ls.close()
    ping(net, "lan", "-c 1 -W 1 %s" % SRV)


DNAT_RANGE = ['iifname "wan" ip daddr 203.0.113.1 udp dport 5500 dnat ip to 198.51.100.10-198.51.100.11:6000-6009',
              'iifname "wan" ip daddr 203.0.113.1 tcp dport 5501 dnat ip to 198.51.100.10-198.51.100.11:6000-6009',
              'iifname "wan" ip daddr 203.0.113.1 udp dport 6005 dnat ip to 198.51.100.10-198.51.100.11:6000-6009']


def _lan_servers(net, proto, ports, addrs=(C1, C2)):
    """Sockets on every LAN address and port a DNAT range can pick."""
    return {(a, p): (net.udp_socket(a, p) if proto == "udp" else net.tcp_listen(a, p)) for a in addrs for p in ports}


def _any_recv(socks, timeout=1.0):
    import select
    r, _, _ = select.select(list(socks.values()), [], [], timeout)
    return r[0] if r else None


def _ask_any(client, data, to, servers):
    """``data`` to ``to``, answered by whichever of the ``servers`` it reached; returns that one (None: none)."""
    client.sendto(data, to)
    s = _any_recv(servers)
    if s is not None:
        _, peer = s.recvfrom(100)
        s.sendto(b"answer", peer)
        client.recvfrom(100)
    return s


@scenario(dnat=DNAT_RANGE, nat_text={"dnat": DNAT_RANGE}, params={"wport": 40600})
def dnat_range(net, cap):
    """DNAT of the router's UDP and TCP port 5500/5501 to the address range 198.51.100.10-11, ports 6000-6009
    (the address is picked by hash of the source, the port is the range's first free one): UDP from six WAN
    source ports and two WAN hosts, each answered; TCP from three; UDP to router port 6005 (inside the port
    range: kept)."""
    us = _lan_servers(net, "udp", range(6000, 6010))
    for src, sp in ((WCLI, 40600), (WCLI, 40601), (WCLI, 40602), (SRV, 40603), (SRV, 40604), (SRV, 40605)):
        c = net.udp_socket(src, sp)
        s = _ask_any(c, b"hello range", (RTR_WAN, 5500), us)
        if s is None:
            net.note("udp from %s:%d not delivered" % (src, sp))
            continue
        net.note("udp from %s:%d reached %s" % (src, sp, s.getsockname()))
        time.sleep(0.05)
    time.sleep(GAP)
    ts = _lan_servers(net, "tcp", range(6000, 6010))
    for src, sp in ((WCLI, 40610), (SRV, 40611), (SRV, 40612)):
        c = net.tcp_socket(src, sp)
        c.settimeout(2)
        c.connect((RTR_WAN, 5501))
        ls = _any_recv(ts)
        s, _ = ls.accept()
        net.note("tcp from %s:%d reached %s" % (src, sp, s.getsockname()))
        deliver(net, c, s, b"x\n")
        close_pair(c, s)
        time.sleep(0.05)
    time.sleep(GAP)
    c = net.udp_socket(WCLI, 40620)
    s = _ask_any(c, b"in range", (RTR_WAN, 6005), us)
    if s is not None:
        net.note("udp to 6005 reached %s" % (s.getsockname(),))
    time.sleep(GAP)


REDIRECT = ['iifname "lan" tcp dport 8080 redirect to :3128',
            'iifname "wan" tcp dport 2222 redirect to :22']


@scenario(dnat=REDIRECT, nat_text={"redirect": REDIRECT}, params={"cport": 45960, "ucport": 35800})
def redirect_local(net, cap):
    """redirect to a port of the router itself, where nothing listens: a LAN TCP SYN to a WAN server's port
    8080 (redirected to the router's LAN address port 3128: the router's RST comes back from the server's
    address and port), sent twice; a WAN SYN to 2222 (redirected to the router's WAN address port 22: RST)."""
    connect_nb(net, C1, 45960, SRV, 8080, wait=0.2)
    connect_nb(net, C1, 45961, SRV, 8080, wait=0.2)
    # Not done: UDP redirected to a closed router port. The router's port unreachable leaves with the server's
    # address as source (un-redirected) and an IPv4 id the kernel picks at random, which compare.py only
    # ignores for packets from the router's own addresses.
    connect_nb(net, WCLI, 45962, RTR_WAN, 2222, wait=0.2)
    time.sleep(GAP)


DNAT_ERR = ['iifname "wan" ip daddr 203.0.113.1 udp dport 5600 dnat ip to 198.51.100.20:5601',
            'iifname "wan" ip daddr 203.0.113.1 udp dport 5602 dnat ip to 198.51.100.20:5603',
            'iifname "wan" ip daddr 203.0.113.1 ip protocol icmp dnat ip to 198.51.100.20']


@scenario(dnat=DNAT_ERR, nat_text={"dnat": DNAT_ERR}, params={"wport": 40700},
          prepare=lambda net: net.host_nft("wan", input_table(
              "hostrej", 0, "udp dport 40702 reject with icmp type admin-prohibited")))
def dnat_errors(net, cap):
    """UDP and ICMP errors through DNAT: a WAN client's UDP to router:5600 (DNATed to the LAN server :5601),
    answered; the client's socket is closed and the server answers again (the WAN host's port unreachable
    quotes the un-DNATed reply: translated to the DNATed flow); UDP to router:5602 (DNATed to a closed port:
    the LAN server's port unreachable translated back); a WAN client port whose replies the WAN host rejects
    with admin-prohibited; ping of the router's WAN address DNATed to the LAN server (echo and reply), and a
    ping with TTL 2 (forwarded) ."""
    srv = net.udp_socket(LSRV, 5601)
    c = net.udp_socket(WCLI, 40700)
    answer_after_close(c, srv, b"hello", (b"answer 1", b"answer 2 to a closed port"), (RTR_WAN, 5600))
    c2 = net.udp_socket(WCLI, 40701)
    c2.sendto(b"to a closed lan port", (RTR_WAN, 5602))
    time.sleep(GAP)
    c3 = net.udp_socket(WCLI, 40702)
    c3.sendto(b"hello again", (RTR_WAN, 5600))
    d, a = srv.recvfrom(100)
    srv.sendto(b"answer rejected", a)
    time.sleep(GAP)
    ping(net, "wan", "-c 2 -i 0.2 -W 1 %s" % RTR_WAN)


MASQ_RANDOM = ['oifname "wan" ip saddr 198.51.100.0/24 meta l4proto udp masquerade random',
               'oifname "wan" ip saddr 198.51.100.0/24 meta l4proto tcp masquerade fully-random']


@scenario(snat=MASQ_RANDOM, nat_text={"masquerade": "random (udp), fully-random (tcp), 198.51.100.0/24 out of wan"},
          params={"ucport": 36000, "cport": 46000})
def masq_random(net, cap):
    """masquerade random (UDP) and fully-random (TCP): every flow gets a port the kernel picks at random:
    UDP request/reply from three client ports in turn, a UDP datagram to a closed port (port unreachable),
    three TCP connections in turn (one closed by the server)."""
    srv = net.udp_socket(SRV, 7030)
    for i in range(3):
        udp_exchange(net, C1 if i < 2 else C2, 36000 + i, SRV, 7030, server=srv)
    u = net.udp_socket(C1, 36003)
    u.sendto(b"to a closed port", (SRV, 5999))
    time.sleep(GAP)
    ls = net.tcp_listen(SRV, 7031)
    for i in range(3):
        tcp_exchange(net, C1, 46000 + i, SRV, 7031, listener=ls, closer="server" if i == 1 else "client")
    ls.close()


@scenario(dnat=DNAT_RULES, nat_text={"dnat": DNAT_RULES}, params={"wport": 40870})
def tcp_abort_dnat(net, cap):
    """A WAN client's connection to the router's port 2222, DNATed to the LAN server's 22: data both ways, then
    the LAN server aborts (RST through the reverse translation); the client's late data is answered by the
    server host's RST."""
    ls = net.tcp_listen(LSRV, 22)
    c, s = net.tcp_pair(WCLI, 40870, RTR_WAN, 2222, listener=ls)
    exchange(net, c, s, *HELLO)
    time.sleep(GAP)
    net.abort(s)
    time.sleep(GAP)
    send_late(net, c, b"late data\n")
    time.sleep(0.2)
    c.close()
    ls.close()


HAIRPIN_DNAT = ['ip daddr 203.0.113.1 tcp dport 2222 dnat ip to 198.51.100.20:22']


HAIRPIN_SNAT = ['oifname "wan" ip saddr 198.51.100.0/24 masquerade',
                'oifname "lan" ip saddr 198.51.100.0/24 ip daddr 198.51.100.20 tcp dport 22 masquerade']


@scenario(dnat=HAIRPIN_DNAT, snat=HAIRPIN_SNAT, nat_text={"dnat": HAIRPIN_DNAT, "snat": HAIRPIN_SNAT},
          params={"cport": 44880, "wport": 40880})
def hairpin_nat(net, cap):
    """Hairpin NAT: a LAN client connects to the router's public address 203.0.113.1:2222, DNATed to the LAN
    server's 22 and masqueraded to the router's LAN address so the answers come back through the router; data
    both ways and a close. Then the same from a WAN client (DNAT only)."""
    ls = net.tcp_listen(LSRV, 22)
    for src, port in ((C1, 44880), (WCLI, 40880)):
        c, s = net.tcp_pair(src, port, RTR_WAN, 2222, listener=ls)
        exchange(net, c, s, *HELLO)
        time.sleep(GAP)
        close_pair(c, s)
        time.sleep(GAP)
    ls.close()


@scenario(masq=True, nat_text=MASQ_TEXT, params={"ucport": 42890, "port": 7890}, prepare=silenced([], [7890]))
def masq_clash_concurrent(net, cap):
    """Two LAN clients send UDP from the same source port to the same server port, the second before the first
    is answered: masquerade keeps the port for the first and picks another for the second; crafted answers to
    both, the second's to the kernel's port; then each asks again."""
    a = net.udp_socket(C1, 42890)
    b = net.udp_socket(C2, 42890)
    srv = net.udp_socket(SRV, 7890)
    a.sendto(b"first", (SRV, 7890))
    b.sendto(b"second", (SRV, 7890))
    got = []
    for _ in range(2):
        data, peer = srv.recvfrom(100)
        got.append((data, peer))
    for data, peer in got:
        srv.sendto(b"answer to " + data, peer)
    time.sleep(GAP)
    for sock, data in ((a, b"first again"), (b, b"second again")):
        sock.sendto(data, (SRV, 7890))
        d, peer = srv.recvfrom(100)
        srv.sendto(b"answer to " + d, peer)
        time.sleep(GAP)
