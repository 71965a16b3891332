"""Conntrack sysctls changed from their defaults, and the accounting and timestamp extensions."""
import socket
import time

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw

from ..registry import scenario
from ..traffic import C1, C1_6, SRV, SRV_6
from .common import (GAP, MASQ_TEXT, OPTS, close_pair, connect_nb, crafted_tcp, echo_expiry, exchange, handshake,
                     hello_and_close, invalid_from_server, malformed_on_flows, midstream, ping,
                     prep_established_before_ruleset, real_mid_traffic, repeated, silenced, sleep_until, steps,
                     tcp_exchange, udp_ask, udp_exchange, udp_idle)


@scenario(sysctls={"nf_conntrack_tcp_loose": 0}, params={"mid_cport": 43160, "mid_port": 7160},
          prepare=silenced([43160], [7160]))
def tcp_loose_off(net, cap):
    """nf_conntrack_tcp_loose=0: a crafted conversation picked up mid-stream (data from the client first, ACKs,
    data back, FIN close started by the server): no packet creates an entry, each is invalid (and forwarded:
    policy accept); then a real connection from the LAN host, handshake first, tracked as usual. No NAT."""
    midstream(net, "client", 43160, 7160)
    hello_and_close(net, C1, 43161, SRV, 7161)


@scenario(sysctls={"nf_conntrack_tcp_loose": 0}, params={"cport": 43310, "port": 7310, "mid_first": "server"},
          prepare=prep_established_before_ruleset(43310, 7310))
def tcp_loose_off_real(net, cap):
    """tcp_midstream_real_server with nf_conntrack_tcp_loose=0: a real connection established before conntrack
    was active; its later segments (data both ways, 3000 bytes, FIN close) are all invalid. No NAT."""
    real_mid_traffic(net, "server")


@scenario(sysctls={"nf_conntrack_tcp_be_liberal": 1}, params={"cport": 44510, "port": 6210})
def tcp_liberal(net, cap):
    """tcp_invalid_server with nf_conntrack_tcp_be_liberal=1: the window checks pass everything (data beyond and
    before the window, ACK of unsent data, RSTs outside the window); the flag combinations conntrack rejects
    before the window check stay invalid. No NAT."""
    invalid_from_server(net, 44510, 6210)


@scenario(sysctls={"nf_conntrack_tcp_ignore_invalid_rst": 1}, params={"cport": 44520, "port": 6220})
def tcp_ignore_invalid_rst(net, cap):
    """tcp_invalid_server with nf_conntrack_tcp_ignore_invalid_rst=1: RSTs failing the window check are let
    through without being marked invalid; the other bad segments are invalid as usual. No NAT."""
    invalid_from_server(net, 44520, 6220)


@scenario(sysctls={"nf_conntrack_log_invalid": 0}, params={"cport": 44530, "port": 6230})
def tcp_invalid_nolog(net, cap):
    """tcp_invalid_server with nf_conntrack_log_invalid=0: the same verdicts, no reason logged. No NAT."""
    invalid_from_server(net, 44530, 6230)


@scenario(sysctls={"nf_conntrack_tcp_max_retrans": 1, "nf_conntrack_tcp_timeout_max_retrans": 4},
          params={"cport": 43610, "port": 7610}, prepare=silenced([43610], [7610]))
def tcp_max_retrans1(net, cap):
    """nf_conntrack_tcp_max_retrans=1 and timeout_max_retrans=4: crafted handshake; a data segment sent 3 times
    unacknowledged (from the 2nd retransmission on the entry's timeout is cut to 4 s), its ACK; a second segment
    sent twice, then nothing for 4.6 s (the entry expires), then the server's ACK (after the expiry: picked up
    as new) and more data from the client. No NAT."""
    C, S = crafted_tcp(43610, 7610)
    cs, ss = 2100000, 6100000
    handshake(net, C, S, cs, ss)
    repeated(net, C("PA", cs + 1, ss + 1, b"retransmitted data"), 3)
    steps(net, S("A", ss + 1, cs + 19))
    repeated(net, C("PA", cs + 19, ss + 1, b"second segment"), 2)
    time.sleep(4.6)
    steps(net, S("A", ss + 1, cs + 33), C("PA", cs + 33, ss + 1, b"after"), S("A", ss + 1, cs + 38))


def udp_stream(net, flows, seconds, gap=0.1):
    """Request/reply pairs on every (client, server, to) flow in turn, for ``seconds``."""
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < seconds:
        for c, s, to in flows:
            udp_ask(c, s, b"s%03d" % n, b"r%03d" % n, to)
        n += 1
        time.sleep(gap)


@scenario(sysctls={"nf_conntrack_udp_timeout": 5, "nf_conntrack_udp_timeout_stream": 8},
          params={"ucport": 35910, "port": 7040})
def udp_short_timeouts(net, cap):
    """nf_conntrack_udp_timeout=5, udp_timeout_stream=8: flow A (request/reply) at 0 s, B at 2 s; A asked again
    at 6 s (expired: destroyed, new again), B at 6.3 s (idle 4.3 s: still there); then flows C and D exchange
    request/reply pairs for 2.5 s (ASSURED, 8 s); D is asked again 7.4 s after its last pair (still there), C
    8.5 s after (expired). No NAT."""
    srv = udp_idle(net, 35910, 7040, 2.0, (6.0, 6.3))
    cl = [net.udp_socket(C1, 35912 + i) for i in range(2)]
    udp_stream(net, [(c, srv, (SRV, 7040)) for c in cl], 2.5)
    t0 = time.monotonic()
    for c, at in ((cl[1], 7.4), (cl[0], 8.5)):
        sleep_until(t0, at)
        udp_ask(c, srv, b"after the pause", b"answer", (SRV, 7040))
    time.sleep(GAP)


@scenario(sysctls={"nf_conntrack_icmp_timeout": 5, "nf_conntrack_icmpv6_timeout": 5}, params={"echo_id": 0x7b7b},
          prepare=silenced([]))
def icmp_short_timeout(net, cap):
    """nf_conntrack_icmp_timeout=5 and icmpv6_timeout=5: crafted echo requests (IPv4 and IPv6) answered by the
    server; at 5.5 s crafted late echo replies with the same id (the entries have expired: destroyed, the replies
    invalid), then new requests (new) and their answers; then ping with 2 echoes 2 s apart (one id: the second
    refreshes the entry before it expires). No NAT. (Not 3 echoes: the entries of the new requests would expire
    about 0.5 s after the last packet, where conntrack -L is taken.)"""
    echo_expiry(net, [(C1, SRV), (C1_6, SRV_6)], 0x7b7b, 5.5)
    ping(net, "lan", "-c 2 -i 2 -W 1 %s" % SRV)


@scenario(sysctls={"nf_conntrack_tcp_timeout_close_wait": 3, "nf_conntrack_tcp_timeout_time_wait": 4},
          params={"cport": 45990, "port": 7990})
def tcp_close_timeouts_short(net, cap):
    """tcp_timeout_close_wait=3, time_wait=4: connection 1: the client shuts its sending side (FIN, ACK:
    CLOSE_WAIT, 3 s); 3.5 s later the server sends data (the entry has expired: picked up mid-stream as new),
    then closes; connection 2 closed by the server first, then the client (TIME_WAIT, 4 s); 4.5 s later, after
    the expiry, a new connection from the same client port. No NAT."""
    ls = net.tcp_listen(SRV, 7990)
    c, s = net.tcp_pair(C1, 45990, SRV, 7990, listener=ls)
    exchange(net, c, s, b"request\n", b"response\n")
    c.shutdown(socket.SHUT_WR)
    time.sleep(3.5)
    s.sendall(b"late answer after the half close\n")
    time.sleep(GAP)
    close_pair(s, c)
    time.sleep(GAP)
    tcp_exchange(net, C1, 45991, SRV, 7990, listener=ls, closer="server")
    time.sleep(4.5)
    tcp_exchange(net, C1, 45991, SRV, 7990, listener=ls, closer="server")
    ls.close()


@scenario(sysctls={"nf_conntrack_checksum": 0}, params={"cport": 44610, "port": 6310, "ucport": 42610},
          prepare=silenced([]))
def checksum_off(net, cap):
    """malformed with nf_conntrack_checksum=0: the packets with bad TCP, UDP and ICMP checksums are tracked (the
    hosts drop them); then the first datagram of a new UDP flow (IPv4, then IPv6) and a TCP SYN with bad
    checksums: new entries. No NAT."""
    malformed_on_flows(net, 44610, 6310, 42610, 6311)
    bad = [IP(src=C1, dst=SRV) / UDP(sport=42611, dport=6312, chksum=0x4242) / Raw(b"bad checksum"),
           IPv6(src=C1_6, dst=SRV_6) / UDP(sport=42612, dport=6312, chksum=0x4242) / Raw(b"bad checksum"),
           IP(src=C1, dst=SRV) / TCP(sport=44611, dport=6313, flags="S", seq=1000, chksum=0x4242, options=OPTS)]
    steps(net, *bad)


@scenario(sysctls={"nf_conntrack_acct": 1}, masq=True, nat_text=MASQ_TEXT,
          params={"cport": 44810, "ucport": 42810})
def acct_on(net, cap):
    """nf_conntrack_acct=1: packet and byte counters per direction in events and the table: a TCP connection
    with data and a close, a UDP exchange twice, a ping, all through masquerade; then a connection refused (its
    entry destroyed at once: the counters are in the DESTROY event)."""
    hello_and_close(net, C1, 44810, SRV, 7810)
    udp_exchange(net, C1, 42810, SRV, 7811, n=2)
    ping(net, "lan", "-c 2 -i 0.2 -W 1 %s" % SRV)
    connect_nb(net, C1, 44811, SRV, 5999, wait=0.2)


@scenario(sysctls={"nf_conntrack_timestamp": 1}, params={"cport": 44820, "ucport": 42820},
          prepare=silenced([44821], [7822]))
def timestamp_on(net, cap):
    """nf_conntrack_timestamp=1: start and stop times kept per connection: a TCP connection with data and a
    close, a UDP exchange, a ping; then a connection refused 1.2 s after its SYN (the SYN retransmitted: the
    entry's start and stop times are a second apart). No NAT."""
    hello_and_close(net, C1, 44820, SRV, 7820)
    udp_exchange(net, C1, 42820, SRV, 7821)
    ping(net, "lan", "-c 1 -W 1 %s" % SRV)
    C, S = crafted_tcp(44821, 7822)
    steps(net, C("S", 3000000, o=OPTS))
    time.sleep(1.2)
    steps(net, C("S", 3000000, o=OPTS), S("RA", 0, 3000001))


@scenario(sysctls={"nf_conntrack_acct": 1}, params={"cport": 44830, "port": 6830})
def acct_invalid(net, cap):
    """tcp_invalid_server with nf_conntrack_acct=1: the counters count only the segments the TCP tracker
    accepted and refreshed the entry with, not the invalid or ignored ones. No NAT."""
    invalid_from_server(net, 44830, 6830)
