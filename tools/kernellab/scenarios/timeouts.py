"""Entries expiring between packets: UDP, ICMP echo and TCP CLOSE timeouts."""
import time

from ..registry import scenario
from ..traffic import C1, SRV
from .common import (GAP, crafted_tcp, deliver, echo_expiry, handshake, silenced, sleep_until, steps, tcp_exchange,
                     udp_idle)


@scenario(params={"cport": 45400, "port": 7950}, prepare=silenced([45400], [7950]))
def tcp_close_expiry(net, cap):
    """Crafted: handshake and data, RST from the client (CLOSE, 10 s); 10.5 s later a data segment on the same
    4-tuple (the old entry has expired: picked up mid-stream as new) and the server's ACK. No NAT."""
    C, S = crafted_tcp(45400, 7950)
    cs, ss = 1500000, 2500000
    handshake(net, C, S, cs, ss)
    steps(net, C("PA", cs + 1, ss + 1, b"abc"))
    net.send(C("R", cs + 4))
    time.sleep(10.5)
    steps(net, C("PA", cs + 4, ss + 1, b"late"), S("A", ss + 1, cs + 8))


@scenario(params={"ucport": 35900, "port": 7020})
def timeout_udp_idle(net, cap):
    """UDP timeouts (30 s): flow A (request/reply) at 0 s, flow B at 2 s; A resumed at 31 s (its entry expired:
    destroyed, the request is new again, then answered), B resumed at 31.3 s (idle 29.3 s: still there). No
    NAT."""
    udp_idle(net, 35900, 7020, 2.0, (31.0, 31.3))


@scenario(params={"echo_id": 0x7a7a}, prepare=silenced([]))
def timeout_icmp_echo(net, cap):
    """ICMP echo timeout (30 s): a crafted echo request answered by the server at 0 s; at 30.5 s a crafted late
    echo reply with the same id (the entry has expired: destroyed, the reply is invalid); then a new echo
    request (new) and its answer. No NAT."""
    echo_expiry(net, [(C1, SRV)], 0x7a7a, 30.5)


@scenario(params={"cport": 45970, "port": 7970})
def timeout_tcp_close(net, cap):
    """TCP CLOSE timeout (10 s): connection 1 aborted by the client (RST) at 0 s, connection 2 aborted by the
    server at 2 s; at 10.6 s connection 1's client connects again from the same port (the CLOSE entry has
    expired: destroyed, the SYN is new), at 11.0 s connection 2's client too (its CLOSE entry is still there:
    the SYN replaces it). Both new connections exchange data and close. No NAT."""
    t0 = time.monotonic()
    ls = net.tcp_listen(SRV, 7970)
    pairs = []
    for i, at in enumerate((0.0, 2.0)):
        sleep_until(t0, at)
        c, s = net.tcp_pair(C1, 45970 + i, SRV, 7970, listener=ls)
        deliver(net, c, s, b"hello\n")
        victim, other = (c, s) if i == 0 else (s, c)
        net.abort(victim)
        time.sleep(GAP)
        other.close()
        pairs.append(c)
    for i, at in enumerate((10.6, 11.0)):
        sleep_until(t0, at)
        tcp_exchange(net, C1, 45970 + i, SRV, 7970, listener=ls)
    ls.close()
