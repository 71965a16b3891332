"""UDP flows: request and answer, one-way flows, streams that become ASSURED."""
import time

from ..registry import scenario
from ..traffic import C1, LSRV, SRV, WCLI
from .common import GAP, udp_ask


@scenario(params={"ucport": 42200})
def udp_re(net, cap):
    """Re-recording of the public udp kind: request/response, an unreplied flow, a >2 s stream (ASSURED)."""
    srv = net.udp_socket(SRV, 5353)
    sink = net.udp_socket(SRV, 5454)      # bound, never answers
    strm = net.udp_socket(SRV, 5555)
    c = net.udp_socket(C1, 42200)
    udp_ask(c, srv, b"dns-like query 1234567890", b"dns-like answer 1234", (SRV, 5353))
    time.sleep(GAP)
    c2 = net.udp_socket(C1, 42201)
    for _ in range(3):
        c2.sendto(b"no answer\n", (SRV, 5454))
        time.sleep(GAP)
    c3 = net.udp_socket(C1, 42202)
    for i in range(8):
        udp_ask(c3, strm, b"stream request %02d " % i + b"x" * 30, b"stream reply\n", (SRV, 5555))
        time.sleep(0.4)


@scenario(params={"ucport": 42700})
def udp_variants(net, cap):
    """UDP: request/response on other ports; a 3 s stream with 0.1 s gaps (ASSURED after 2 s); an unreplied
    flow; one source port to two different servers; a flow started from the WAN side. No NAT."""
    srv = net.udp_socket(SRV, 5301)
    srv2 = net.udp_socket(WCLI, 5301)
    c = net.udp_socket(C1, 42700)
    udp_ask(c, srv, b"query A", b"answer A long " * 3, (SRV, 5301))
    time.sleep(GAP)
    udp_ask(c, srv2, b"query B", b"answer B", (WCLI, 5301))
    time.sleep(GAP)
    sink = net.udp_socket(SRV, 5302)
    c2 = net.udp_socket(C1, 42701)
    for _ in range(2):
        c2.sendto(b"unanswered", (SRV, 5302))
        time.sleep(GAP)
    lsrv = net.udp_socket(LSRV, 6100)
    w = net.udp_socket(WCLI, 42702)
    udp_ask(w, lsrv, b"from the wan", b"lan answers", (LSRV, 6100))
    time.sleep(GAP)
    st = net.udp_socket(SRV, 5303)
    c3 = net.udp_socket(C1, 42703)
    t0 = time.time()
    n = 0
    while time.time() - t0 < 3.0:
        udp_ask(c3, st, b"s%03d" % n, b"r%03d" % n, (SRV, 5303))
        n += 1
        time.sleep(0.1)
    net.note("stream pairs: %d" % n)
    # a one-way stream: original direction only for > 2 s
    c4 = net.udp_socket(C1, 42704)
    c2.sendto(b"unanswered again", (SRV, 5302))


@scenario(params={"ucport": 42800})
def udp_oneway_long(net, cap):
    """UDP only in the original direction for 2.5 s (stays UNREPLIED, never ASSURED), then a single reply, then
    more requests (a reply seen long after creation)."""
    srv = net.udp_socket(SRV, 5401)
    c = net.udp_socket(C1, 42800)
    for i in range(6):
        c.sendto(b"req %d" % i, (SRV, 5401))
        time.sleep(0.5)
    d, a = srv.recvfrom(100)
    srv.sendto(b"late reply", a)
    c.recvfrom(100)
    time.sleep(GAP)
    c.sendto(b"req after reply", (SRV, 5401))
    time.sleep(GAP)
    srv.sendto(b"second reply", a)
    time.sleep(GAP)


@scenario(params={"ucport": 42990, "port": 5460})
def udp_stream_boundary(net, cap):
    """UDP: request and reply, then one-way datagrams every 2 ms from 1.990 s to 2.012 s after the first one
    (ASSURED and the stream timeout start with the first packet more than 2 s = 500 jiffies after creation);
    then the same on a second flow created 1 ms later in the tick. No NAT."""
    for i, (cp, lag) in enumerate(((42990, 0.0), (42991, 0.001))):
        srv = net.udp_socket(SRV, 5460 + i)
        c = net.udp_socket(C1, cp)
        time.sleep(lag)
        t0 = time.perf_counter()
        udp_ask(c, srv, b"first", b"reply", (SRV, 5460 + i))
        for k in range(12):
            target = t0 + 1.990 + 0.002 * k
            while time.perf_counter() < target:
                pass
            c.sendto(b"k%02d" % k, (SRV, 5460 + i))
        time.sleep(0.1)
