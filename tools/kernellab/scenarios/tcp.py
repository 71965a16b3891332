"""TCP over IPv4: real connections (handshakes, bulk, closes, aborts, reopening) and crafted conversations (mid-stream pickup, invalid segments, simultaneous open and close)."""
import socket
import time

from scapy.layers.inet import IP, TCP

from ..registry import scenario
from ..traffic import C1, RTR_WAN, SRV
from .common import (GAP, HELLO, MASQ_TEXT, OPTS, bulk, close_pair, crafted_tcp, deliver, drain, exchange, handshake,
                     hello_and_close, hello_pair, input_table, invalid_from_server, learn, midstream,
                     prep_established_before_ruleset, real_mid_traffic, repeated, send_late, silenced, steps)


@scenario(params={"cport": 41200, "port": 5101})
def tcp_basic_re(net, cap):
    """Re-recording of the public tcp_basic kind: handshake, request, response, client FIN close."""
    hello_and_close(net, C1, 41200, SRV, 5101)


@scenario(params={"cport": 41100, "port": 5002, "abort_side": "server"})
def tcp_abort_server(net, cap):
    """Established TCP connection with data both ways, then the SERVER aborts (SO_LINGER 0 close, RST from the
    WAN side); the client then sends late data and the server host answers with a RST. No NAT."""
    c, s = hello_pair(net, C1, 41100, SRV, 5002)
    net.abort(s)
    time.sleep(GAP)
    send_late(net, c, b"late data\n", more=b"later data\n")
    time.sleep(0.2)
    c.close()


@scenario(params={"cport": 41110, "port": 5012, "abort_side": "server", "nat": "masquerade"}, masq=True,
          nat_text=MASQ_TEXT)
def tcp_abort_server_masq(net, cap):
    """tcp_abort_server through masquerade."""
    c, s = hello_pair(net, C1, 41110, SRV, 5012)
    net.abort(s)
    time.sleep(GAP)
    send_late(net, c, b"late data\n")
    c.close()


@scenario(params={"mid_cport": 43100, "mid_port": 7100, "mid_first": "server"}, prepare=silenced([43100], [7100]))
def tcp_midstream_server(net, cap):
    """TCP picked up mid-stream (tcp_loose=1): the first packet the router sees is a data segment from the
    SERVER. All segments crafted (scapy) on both sides, host stacks silenced; data both ways, FIN close
    started by the client. No NAT."""
    midstream(net, "server", 43100, 7100)


@scenario(params={"mid_cport": 43200, "mid_port": 7200, "mid_first": "client"}, prepare=silenced([43200], [7200]))
def tcp_midstream_client2(net, cap):
    """Like the public tcp_midstream (client's data first) with other ports, closed by the server first."""
    midstream(net, "client", 43200, 7200)


@scenario(params={"cport": 43300, "port": 7300, "mid_first": "server"},
          prepare=prep_established_before_ruleset(43300, 7300))
def tcp_midstream_real_server(net, cap):
    """Real TCP connection established before conntrack was active in the router (the ruleset, which pulls
    conntrack in, is loaded after the handshake); the first packet conntrack sees is data from the SERVER
    (window scaling in use but unknown to conntrack). More data, then the client side closes first."""
    real_mid_traffic(net, "server")


@scenario(params={"cport": 43400, "port": 7400, "mid_first": "client"},
          prepare=prep_established_before_ruleset(43400, 7400))
def tcp_midstream_real_client(net, cap):
    """As tcp_midstream_real_server but the client sends first after conntrack appears."""
    real_mid_traffic(net, "client")


@scenario(params={"cport": 41300, "port": 5300, "size": 300000, "closer": "client"})
def tcp_bulk(net, cap):
    """300 KB from client to server, then 300 KB back (window scaling, SACK permitted, many segments); the
    client closes first. No NAT."""
    bulk(net, 41300, 5300, 300000, "client")


@scenario(params={"cport": 41310, "port": 5310, "size": 300000, "closer": "server"})
def tcp_bulk_server_close(net, cap):
    """tcp_bulk, closed by the server first (FIN right after its last data segment)."""
    bulk(net, 41310, 5310, 300000, "server")


@scenario(params={"cport": 41320, "port": 5320, "size": 200000, "closer": "client"}, masq=True, nat_text=MASQ_TEXT)
def tcp_bulk_masq(net, cap):
    """200 KB both ways through masquerade, client closes."""
    bulk(net, 41320, 5320, 200000, "client")


@scenario(params={"cport": 43500, "port": 7500}, prepare=silenced([43500], [7500]))
def tcp_simultaneous_open(net, cap):
    """Crafted simultaneous open: client SYN, server SYN (reply direction), client SYN/ACK, server SYN/ACK, then
    data, ACKs and a FIN close. No NAT."""
    C, S = crafted_tcp(43500, 7500, cwin=(64240, 64240), swin=(65160, 65160))
    cs, ss = 1000000, 5000000
    steps(net,
          C("S", cs, o=OPTS),
          S("S", ss, o=OPTS),
          C("SA", cs, ss + 1, o=OPTS),
          S("SA", ss, cs + 1, o=OPTS),
          C("A", cs + 1, ss + 1),
          S("A", ss + 1, cs + 1),
          C("PA", cs + 1, ss + 1, b"hello"),
          S("A", ss + 1, cs + 6),
          C("FA", cs + 6, ss + 1),
          S("FA", ss + 1, cs + 7),
          C("A", cs + 7, ss + 2))


@scenario(params={"cport": 43600, "port": 7600}, prepare=silenced([43600], [7600]))
def tcp_syn_retrans(net, cap):
    """Crafted: the same SYN 5 times (0.1 s apart), then a SYN with another ISN, then a SYN/ACK for the second,
    the ACK, then one data segment retransmitted 5 times unacknowledged (max_retrans), then its ACK. No NAT."""
    C, S = crafted_tcp(43600, 7600)
    cs, ss = 2000000, 6000000
    repeated(net, C("S", cs, o=OPTS), 5)
    cs += 77777
    handshake(net, C, S, cs, ss)
    repeated(net, C("PA", cs + 1, ss + 1, b"retransmitted data"), 5)
    steps(net, S("A", ss + 1, cs + 19))


@scenario(params={"cport": 43700, "port": 7700})
def tcp_rst_in_window(net, cap):
    """Real connection; a crafted RST from the client with a sequence inside the window but not the expected
    one (the server stack answers with a challenge ACK), then a crafted RST carrying exactly the challenge
    ACK's acknowledgement number (conntrack accepts it after the challenge ACK). No NAT."""
    net.raw("lan")
    c, s = net.tcp_pair(C1, 43700, SRV, 7700)
    exchange(net, c, s, b"hello\n", b"world\n")
    time.sleep(GAP)
    # learn the sequence numbers from a fresh segment
    drain(net.raw("lan"))
    s.sendall(b"x\n")
    p = net.sniff_tcp("lan", 7700, 43700)
    net.recv_exact(c, 2)
    if p is None:
        net.note("no segment sniffed")
        return
    cseq, sseq = p[TCP].ack, p[TCP].seq + 2
    time.sleep(GAP)
    net.send(IP(src=C1, dst=SRV) / TCP(sport=43700, dport=7700, flags="R", seq=cseq + 1000))
    q = net.sniff_tcp("lan", 7700, 43700)
    net.note("challenge ack: %s" % (q.summary() if q is not None else None))
    time.sleep(GAP)
    if q is not None:
        net.send(IP(src=C1, dst=SRV) / TCP(sport=43700, dport=7700, flags="R", seq=q[TCP].ack))
    time.sleep(GAP)
    try:
        c.sendall(b"after rst\n")
        time.sleep(GAP)
    except OSError as e:
        net.note("after rst: %r" % e)
    net.abort(c)
    s.close()
    time.sleep(GAP)


@scenario(params={"cport": 43800, "port": 7800})
def tcp_keepalive(net, cap):
    """Real connection idle with SO_KEEPALIVE (idle 1 s, interval 1 s) on both sides: keepalive probes (seq one
    below the next, no data) and their ACKs, then data and a client close. No NAT."""
    c, s = net.tcp_pair(C1, 43800, SRV, 7800)
    exchange(net, c, s, b"hi\n", b"ho\n")
    for so, idle in ((c, 1), (s, 2)):
        so.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        so.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
        so.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        so.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
    time.sleep(3.6)
    deliver(net, c, s, b"bye\n")
    close_pair(c, s)
    time.sleep(0.2)


@scenario(params={"cport": 43900, "port": 7900})
def tcp_zero_window(net, cap):
    """The server stops reading (small receive buffer): the client fills the window, the server advertises a
    zero window, the client sends zero-window probes for ~2 s; then the server reads everything (window
    update), the transfer completes and the client closes. No NAT."""
    ls = net.tcp_listen(SRV, 7900, rcvbuf=4096)
    c, s = net.tcp_pair(C1, 43900, SRV, 7900, listener=ls, timeout=5)
    total = 150000
    data = bytes(i & 0xFF for i in range(total))
    c.setblocking(False)
    sent = 0
    t0 = time.time()
    while time.time() - t0 < 2.5 and sent < total:
        try:
            sent += c.send(data[sent:])
        except BlockingIOError:
            time.sleep(0.05)
    net.note("sent before reading: %d" % sent)
    c.setblocking(True)
    c.settimeout(5)
    net.bg(lambda: c.sendall(data[sent:]))
    got = net.recv_exact(s, total)
    net.join()
    net.note("server read %d" % len(got))
    close_pair(c, s)
    ls.close()
    time.sleep(0.2)


@scenario(params={"cport": 44100, "port": 8100})
def tcp_retrans_real(net, cap):
    """Real connection; the server host drops everything for 1.5 s (the client's data is retransmitted with
    back-off, more than tcp_max_retrans times), then lets it through; data answered, client closes. No NAT."""
    c, s = net.tcp_pair(C1, 44100, SRV, 8100)
    deliver(net, c, s, b"first\n")
    time.sleep(GAP)
    net.host_nft("wan", input_table("blackhole", -300, "tcp dport 8100 drop"))
    c.sendall(b"lost for a while\n")
    time.sleep(3.2)
    net.host_nft_delete("wan", "blackhole")
    net.recv_exact(s, 17)
    deliver(net, s, c, b"got it\n")
    close_pair(c, s)
    time.sleep(0.3)


@scenario(params={"cport": 44200, "port": 8200})
def tcp_half_close(net, cap):
    """Client shuts down its sending side after a request; the server keeps sending data for a while, then
    closes; both FINs carried with data where the stack does so. No NAT."""
    c, s = net.tcp_pair(C1, 44200, SRV, 8200)
    c.sendall(b"request\n")
    c.shutdown(socket.SHUT_WR)
    net.recv_exact(s, 8)
    s.recv(10)
    for i in range(3):
        s.sendall(b"response part %d\n" % i)
        time.sleep(GAP)
    s.close()
    time.sleep(0.05)
    net.recv_exact(c, 48)
    c.recv(10)
    c.close()
    time.sleep(0.2)


@scenario(params={"cport": 44300, "port": 8300}, prepare=silenced([44300], [8300]))
def tcp_simultaneous_close(net, cap):
    """Crafted: handshake, data, then both sides send FIN at the same time (crossing FINs), then the ACKs. No
    NAT."""
    C, S = crafted_tcp(44300, 8300)
    cs, ss = 3000000, 7000000
    handshake(net, C, S, cs, ss)
    steps(net, C("PA", cs + 1, ss + 1, b"data"), S("A", ss + 1, cs + 5))
    net.send(C("FA", cs + 5, ss + 1))
    steps(net, S("FA", ss + 1, cs + 5))
    net.send(C("A", cs + 6, ss + 2))
    steps(net, S("A", ss + 2, cs + 6))


def _reconnect_rounds(net, cport, port, answer=None):
    """Three connections in a row from one client port to one server port: a request (and ``answer``), the
    server closes first; 0.3 s between them."""
    ls = net.tcp_listen(SRV, port)
    for i in range(3):
        c, s = net.tcp_pair(C1, cport, SRV, port, listener=ls)
        deliver(net, c, s, b"round %d\n" % i)
        if answer:
            deliver(net, s, c, answer)
        close_pair(s, c)
        time.sleep(0.3)
    ls.close()


@scenario(params={"cport": 44400, "port": 8400})
def tcp_reopen_fast(net, cap):
    """Client closes first (so the client, not the server, holds TIME_WAIT) then, 0.3 s later, a new
    connection from the same 4-tuple is attempted via SO_REUSEADDR on a crafted-free path: the server closes
    first to keep the client port reusable; twice in a row. No NAT."""
    _reconnect_rounds(net, 44400, 8400)


@scenario(params={"cport": 44500, "port": 6200})
def tcp_invalid_server(net, cap):
    """Real connection, then crafted bad segments from the SERVER side: data 1 GiB beyond the window, data far
    before the window, ACK of unsent data, SYN/ACK and SYN on the established connection, SYN+FIN, no flags,
    FIN+PSH+URG, RST far outside the window, RST inside the window but not exact; an out-of-window FIN from the
    client followed by an out-of-window RST from the server (lowered timeout); the real connection then
    continues and closes. No NAT."""
    invalid_from_server(net, 44500, 6200)


@scenario(params={"cport": 44700, "port": 6400}, prepare=silenced([44700, 44701, 44702], [6400]))
def tcp_handshake_oddities(net, cap):
    """Crafted: (1) SYN, SYN/ACK, SYN/ACK retransmitted before the ACK, ACK, SYN/ACK again after ESTABLISHED,
    duplicate ACK, data, RST; (2) SYN, SYN/ACK with a wrong acknowledgement number, then the RST the client
    would send, then a correct SYN/ACK; (3) SYN, RST/ACK from the server with wrong ack, then the right one.
    No NAT."""
    sp = 6400
    C, S = crafted_tcp(44700, sp)
    cs, ss = 1111000, 2222000
    steps(net,
          C("S", cs, o=OPTS),
          S("SA", ss, cs + 1, o=OPTS),
          S("SA", ss, cs + 1, o=OPTS),
          C("A", cs + 1, ss + 1),
          S("SA", ss, cs + 1, o=OPTS),
          C("A", cs + 1, ss + 1),
          C("PA", cs + 1, ss + 1, b"data"),
          S("A", ss + 1, cs + 5),
          C("RA", cs + 5, ss + 1))
    C, S = crafted_tcp(44701, sp)
    cs, ss = 3333000, 4444000
    steps(net,
          C("S", cs, o=OPTS),
          S("SA", ss, cs + 1000, o=OPTS),
          C("R", cs + 1000),
          S("SA", ss, cs + 1, o=OPTS),
          C("A", cs + 1, ss + 1),
          C("FA", cs + 1, ss + 1),
          S("FA", ss + 1, cs + 2),
          C("A", cs + 2, ss + 2))
    C, S = crafted_tcp(44702, sp)
    cs = 5555000
    steps(net, C("S", cs, o=OPTS), S("RA", 0, cs + 7), S("RA", 0, cs + 1))


@scenario(params={"cport": 44800, "port": 6500}, prepare=silenced([44800, 44801], [6500]))
def tcp_reopen_after_rst(net, cap):
    """Crafted: handshake, data, RST from the client, then a new SYN on the same 4-tuple (CLOSE entry replaced),
    handshake, FIN close, and a SYN again while in TIME_WAIT with a lower ISN; second tuple: RST from the server
    then a new SYN from the client. No NAT."""
    sp = 6500
    C, S = crafted_tcp(44800, sp)
    cs, ss = 7000000, 8000000
    handshake(net, C, S, cs, ss)
    steps(net, C("PA", cs + 1, ss + 1, b"abc"), S("A", ss + 1, cs + 4), C("R", cs + 4))
    cs2, ss2 = 9000000, 1000000
    handshake(net, C, S, cs2, ss2)
    steps(net,
          C("FA", cs2 + 1, ss2 + 1),
          S("FA", ss2 + 1, cs2 + 2),
          C("A", cs2 + 2, ss2 + 2),
          C("S", cs2 - 5000, o=OPTS),
          S("SA", ss2 + 70000, cs2 - 4999, o=OPTS),
          C("A", cs2 - 4999, ss2 + 70001))
    C, S = crafted_tcp(44801, sp)
    cs, ss = 1200000, 1300000
    handshake(net, C, S, cs, ss)
    steps(net,
          S("R", ss + 1),
          C("S", cs + 100000, o=OPTS),
          S("SA", ss + 200000, cs + 100001, o=OPTS),
          C("A", cs + 100001, ss + 200001))


def _host_tcp_opts(**kv):
    def prep(net):
        for side in ("lan", "wan"):
            net.lab.sh(side, ["sysctl", "-qw"] + ["net.ipv4.%s=%s" % (k, v) for k, v in kv.items()])
    return prep


@scenario(params={"cport": 44900, "port": 6600, "tcp_ecn": 1, "tcp_window_scaling": 0, "tcp_sack": 0,
                  "tcp_timestamps": 0},
          prepare=_host_tcp_opts(tcp_ecn=1, tcp_window_scaling=0, tcp_sack=0, tcp_timestamps=0))
def tcp_noscale_ecn(net, cap):
    """Hosts with ECN on, window scaling, SACK and timestamps off: ECN-setup SYN (ECE+CWR) and SYN/ACK (ECE),
    60 KB each way in unscaled windows, client close. No NAT."""
    bulk(net, 44900, 6600, 60000, "client")


@scenario(params={"cport": 45000, "port": 6700, "tcp_fastopen": 3},
          prepare=_host_tcp_opts(tcp_fastopen=3))
def tcp_fastopen(net, cap):
    """TCP Fast Open: a first connection obtains a cookie, the second sends its request in the SYN (data on
    SYN, SYN/ACK acknowledging it), answer, server closes first. No NAT."""
    ls = net.tcp_listen(SRV, 6700)
    ls.setsockopt(socket.IPPROTO_TCP, 23, 16)    # TCP_FASTOPEN queue
    for i, cp in enumerate((45000, 45001)):
        c = net.tcp_socket(C1, cp)
        c.sendto(b"GET /%d fast open request\n" % i, 0x20000000, (SRV, 6700))   # MSG_FASTOPEN
        c.settimeout(3)
        s, _ = ls.accept()
        s.settimeout(3)
        net.recv_exact(s, 25)
        deliver(net, s, c, b"response %d\n" % i)
        close_pair(s, c)
        time.sleep(GAP)
    ls.close()


@scenario(params={"cport": 41120, "port": 5022})
def tcp_abort_server_late(net, cap):
    """Server aborts (SO_LINGER 0 RST from the WAN side) an established connection; then crafted late data from
    the client on the closed entry (the server host answers with RST), and a crafted late ACK. No NAT."""
    c, s = net.tcp_pair(C1, 41120, SRV, 5022)
    exchange(net, c, s, *HELLO)
    k = learn(net, c, s, 41120, 5022)
    time.sleep(GAP)
    net.abort(s)
    time.sleep(GAP)
    C, _ = crafted_tcp(41120, 5022, cwin=(k["cwin"],) * 2)
    steps(net, C("PA", k["cnxt"], k["snxt"], b"late data\n"), C("A", k["cnxt"] + 10, k["snxt"]))
    c.close()


@scenario(masq=True, nat_text=MASQ_TEXT, params={"mid_cport": 43150, "mid_port": 7150},
          prepare=silenced([43150], [7150]))
def tcp_midstream_masq(net, cap):
    """Mid-stream pickup through masquerade: crafted data segment from the client first (SNATed), the server's
    ACK and data to the router's address, FIN close by the server. Crafted on both sides."""
    midstream(net, "client", 43150, 7150, isn=(0x31000000, 0x51000000), data=(b"x" * 40, b"y" * 20),
               reply_to=RTR_WAN, stamped_ids=False)


@scenario(params={"cport": 45500, "port": 7500},
          prepare=lambda net: net.host_nft("wan", input_table(
              "lossy", -300, "tcp dport 7500 tcp flags & (syn | fin | rst) == 0 numgen inc mod 9 == 4 drop")))
def tcp_loss_sack(net, cap):
    """150 KB from the client through the router; the server host drops every 9th data segment after the
    router forwarded it, so the server's ACKs carry SACK blocks and the client retransmits (conntrack sees the
    originals and the retransmissions); 20 KB back; client close. No NAT."""
    bulk(net, 45500, 7500, 150000, "client")


@scenario(masq=True, nat_text=MASQ_TEXT, params={"cport": 45600, "port": 7600})
def tcp_reopen_masq(net, cap):
    """Through masquerade: three connections in a row from the same client port to the same server port, the
    server closing first each time (the router's entry is in TIME_WAIT when the next SYN comes)."""
    _reconnect_rounds(net, 45600, 7600, answer=b"ok\n")


@scenario(params={"cport": 45700, "port": 7700})
def tcp_urgent(net, cap):
    """Urgent data (MSG_OOB: URG flag and pointer) both ways on a real connection, then a client close. No
    NAT."""
    c, s = net.tcp_pair(C1, 45700, SRV, 7700)
    deliver(net, c, s, b"normal\n")
    c.send(b"!", socket.MSG_OOB)
    time.sleep(GAP)
    s.send(b"?", socket.MSG_OOB)
    time.sleep(GAP)
    c.sendall(b"more\n")
    time.sleep(GAP)
    c.close()
    time.sleep(0.05)
    try:
        s.recv(100)
        s.recv(100)
    except OSError:
        pass
    s.close()
    time.sleep(0.2)
