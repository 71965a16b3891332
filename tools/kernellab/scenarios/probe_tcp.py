"""TCP probes: crafted segments, one at a time, through the router (both hosts drop everything they receive, so
their stacks never answer), with the connection table listed after every segment (tables.txt). Recorded into
testdata/probes/tcp/; proto.tcp's KernelProbeTest replays them through the tracker."""
import socket
import struct
import time

from ..registry import scenario
from .common import csum
from ..traffic import C1, C1_6, SRV, SRV_6


def drop_everything_at_hosts(net):
    """Both hosts drop what they receive before their stacks see it: only the crafted segments travel."""
    for side in ("lan", "wan"):
        net.host_nft(side, "table inet hostdrop {\n\tchain pre {\n\t\ttype filter hook prerouting priority -400; "
                           "policy drop;\n\t}\n}\n")


def probe(**spec):
    return scenario(home="probes/tcp", prepare=drop_everything_at_hosts, **spec)


FLAGS = {'F': 0x01, 'S': 0x02, 'R': 0x04, 'P': 0x08, 'A': 0x10, 'U': 0x20, 'E': 0x40, 'C': 0x80}


def tcp_segment(src, dst, sport, dport, seq, ack, flags, win, opts=b'', data=b'', v6=False, tag=0, badsum=False):
    fl = 0
    for ch in flags:
        fl |= FLAGS[ch]
    opts = opts + b'\0' * ((4 - len(opts) % 4) % 4)
    doff = (20 + len(opts)) // 4
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, doff << 4, fl, win, 0, 0) + opts + data
    if v6:
        s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
        pseudo = s + d + struct.pack('!IxxxB', len(tcp), 6)
    else:
        s, d = socket.inet_aton(src), socket.inet_aton(dst)
        pseudo = s + d + struct.pack('!xBH', 6, len(tcp))
    c = csum(pseudo + tcp)
    if badsum:
        c ^= 0x5a5a
    tcp = tcp[:16] + struct.pack('!H', c) + tcp[18:]
    if v6:
        ip = struct.pack('!IHBB', 0x60000000 | (tag & 0xfffff), len(tcp), 6, 64) + s + d
        return ip + tcp
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), tag & 0xffff, 0, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return ip + tcp


MSS = b'\x02\x04\x05\xb4'
SACKPERM = b'\x04\x02'
NOP = b'\x01'


def WS(n):
    return b'\x03\x03' + bytes([n])


def TS(a, b):
    return b'\x08\x0a' + struct.pack('!II', a, b)


def SACK(*blocks):
    body = b''.join(struct.pack('!II', s & 0xffffffff, e & 0xffffffff) for s, e in blocks)
    return NOP + NOP + b'\x05' + bytes([2 + len(body)]) + body


class Flow:
    """One crafted TCP conversation between the LAN host (client, c) and the WAN host (server, s): each
    segment is sent alone, then the table is listed (Capture.after)."""
    tag = 2000

    def __init__(self, run, name, cport, sport=80, v6=False):
        self.run, self.name, self.cport, self.sport, self.v6 = run, name, cport, sport, v6
        self.c_addr, self.s_addr = (C1_6, SRV_6) if v6 else (C1, SRV)

    def _send(self, side, src, dst, sp, dp, flags, seq, ack, win, data, opts, badsum, trunc):
        Flow.tag += 1
        ip = tcp_segment(src, dst, sp, dp, seq, ack, flags, win, opts, data, self.v6, Flow.tag, badsum)
        if trunc:
            # claim a 60-byte header but carry only 20 bytes of it
            hl = 40 if self.v6 else 20
            b = bytearray(ip[:hl + 20])
            b[hl + 12] = 0xf0
            if self.v6:
                struct.pack_into('!H', b, 4, 20)
            else:
                struct.pack_into('!H', b, 2, len(b))
                struct.pack_into('!H', b, 10, 0)
                struct.pack_into('!H', b, 10, csum(bytes(b[:20])))
            ip = bytes(b)
        net, cap = self.run
        net.send_ip(side, ip)
        time.sleep(0.03)
        cap.after(ip)

    def c(self, flags, seq, ack=0, win=64240, data=b'', opts=b'', badsum=False, trunc=False):
        self._send('lan', self.c_addr, self.s_addr, self.cport, self.sport, flags, seq, ack, win, data, opts,
                   badsum, trunc)

    def s(self, flags, seq, ack=0, win=65160, data=b'', opts=b'', badsum=False, trunc=False):
        self._send('wan', self.s_addr, self.c_addr, self.sport, self.cport, flags, seq, ack, win, data, opts,
                   badsum, trunc)


CI, SI = 1000000, 7000000  # initial sequence numbers


def handshake(f, copts=MSS + SACKPERM + WS(7), sopts=MSS + SACKPERM + WS(7), cwin=64240, swin=65160, awin=502):
    f.c('S', CI, 0, cwin, opts=copts)
    f.s('SA', SI, CI + 1, swin, opts=sopts)
    f.c('A', CI + 1, SI + 1, awin)


@probe()
def basic(net, cap):
    run = (net, cap)
    f = Flow(run, 'basic', 41001)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'x' * 18)
    f.s('A', SI + 1, CI + 19, 509)
    f.s('PA', SI + 1, CI + 19, 509, data=b'y' * 22)
    f.c('A', CI + 19, SI + 23, 502)
    f.c('FA', CI + 19, SI + 23, 502)
    f.s('A', SI + 23, CI + 20, 509)
    f.s('FA', SI + 23, CI + 20, 509)
    f.c('A', CI + 20, SI + 24, 502)


@probe()
def basic_v6(net, cap):
    run = (net, cap)
    f = Flow(run, 'basic_v6', 41002, v6=True)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'x' * 18)
    f.s('A', SI + 1, CI + 19, 509)
    f.c('FA', CI + 19, SI + 1, 502)
    f.s('FA', SI + 1, CI + 20, 509)
    f.c('A', CI + 20, SI + 2, 502)


@probe()
def simopen(net, cap):
    run = (net, cap)
    f = Flow(run, 'simopen', 41003)
    f.c('S', CI, 0, 64240, opts=MSS + SACKPERM + WS(7))
    f.s('S', SI, 0, 65160, opts=MSS + SACKPERM + WS(7))
    f.c('SA', CI, SI + 1, 64240, opts=MSS + SACKPERM + WS(7))
    f.s('SA', SI, CI + 1, 65160, opts=MSS + SACKPERM + WS(7))
    f.c('A', CI + 1, SI + 1, 502)
    f.s('A', SI + 1, CI + 1, 509)
    f.c('PA', CI + 1, SI + 1, 502, data=b'z' * 10)
    f.s('A', SI + 1, CI + 11, 509)


@probe()
def simopen_ack_first(net, cap):
    run = (net, cap)
    # after both SYNs, one side ACKs (SYN/ACK never seen from the other)
    f = Flow(run, 'simopen_ack_first', 41004)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('S', SI, 0, 65160, opts=MSS)
    f.s('SA', SI, CI + 1, 65160, opts=MSS)
    f.c('A', CI + 1, SI + 1, 64240)
    f.s('A', SI + 1, CI + 1, 65160)


@probe()
def retrans_ack(net, cap):
    run = (net, cap)
    f = Flow(run, 'retrans_ack', 41005)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'a' * 10)
    for _ in range(5):
        f.s('A', SI + 1, CI + 11, 509)
    f.c('A', CI + 11, SI + 1, 502)


@probe()
def retrans_data(net, cap):
    run = (net, cap)
    f = Flow(run, 'retrans_data', 41006)
    handshake(f)
    for _ in range(5):
        f.c('PA', CI + 1, SI + 1, 502, data=b'a' * 10)
    f.s('A', SI + 1, CI + 11, 509)
    f.c('A', CI + 11, SI + 1, 502)


@probe()
def zero_window(net, cap):
    run = (net, cap)
    f = Flow(run, 'zero_window', 41007)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'a' * 10)
    f.s('A', SI + 1, CI + 11, 0)
    f.c('A', CI + 11, SI + 1, 502)
    f.c('A', CI + 11, SI + 1, 0)
    f.s('A', SI + 1, CI + 11, 509)
    f.c('A', CI + 11, SI + 1, 502)


@probe()
def wscale_both(net, cap):
    run = (net, cap)
    f = Flow(run, 'wscale_both', 41008)
    handshake(f, awin=1000)
    f.s('A', SI + 1, CI + 1, 1000)                                # 1000 << 7 = 128000
    f.c('PA', CI + 1 + 100000, SI + 1, 1000, data=b'b' * 100)    # beyond 65160, within 128000
    f.c('PA', CI + 1 + 200000, SI + 1, 1000, data=b'b' * 100)    # beyond 128000
    f.s('A', SI + 1, CI + 1, 1000)


@probe()
def wscale_one_side(net, cap):
    run = (net, cap)
    f = Flow(run, 'wscale_one_side', 41009)
    handshake(f, copts=MSS + WS(7), sopts=MSS, awin=1000)
    f.s('A', SI + 1, CI + 1, 1000)
    f.c('PA', CI + 1 + 60000, SI + 1, 1000, data=b'b' * 100)
    f.c('PA', CI + 1 + 70000, SI + 1, 1000, data=b'b' * 100)


@probe()
def sack(net, cap):
    run = (net, cap)
    f = Flow(run, 'sack', 41010)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'c' * 100)
    f.c('PA', CI + 101, SI + 1, 502, data=b'c' * 100)
    f.c('PA', CI + 201, SI + 1, 502, data=b'c' * 100)
    f.s('A', SI + 1, CI + 101, 509, opts=SACK((CI + 201, CI + 301)))
    f.s('A', SI + 1, CI + 101, 509, opts=SACK((CI + 201, CI + 401)))
    f.s('A', SI + 1, CI + 301, 509)


@probe()
def sack_not_permitted(net, cap):
    run = (net, cap)
    f = Flow(run, 'sack_not_permitted', 41011)
    handshake(f, copts=MSS + WS(7), sopts=MSS + WS(7))
    f.c('PA', CI + 1, SI + 1, 502, data=b'c' * 100)
    f.s('A', SI + 1, CI + 51, 509, opts=SACK((CI + 51, CI + 401)))


@probe()
def challenge_ack_last_ack(net, cap):
    run = (net, cap)
    f = Flow(run, 'challenge_ack_last_ack', 41012)
    handshake(f)
    f.c('FA', CI + 1, SI + 1, 502)
    f.s('FA', SI + 1, CI + 2, 509)
    f.c('S', CI + 5000000, 0, 64240, opts=MSS + SACKPERM + WS(7))
    f.s('A', SI + 2, CI + 2, 509)
    f.c('A', CI + 2, SI + 2, 502)


@probe()
def resync_synack(net, cap):
    run = (net, cap)
    f = Flow(run, 'resync_synack', 41013)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'd' * 10)
    f.s('A', SI + 1, CI + 11, 509)
    f.c('S', CI + 3000000, 0, 64240, opts=MSS + SACKPERM + WS(6))
    f.s('SA', SI + 4000000, CI + 3000001, 65160, opts=MSS + SACKPERM + WS(6))
    f.c('A', CI + 3000001, SI + 4000001, 502)
    f.c('PA', CI + 3000001, SI + 4000001, 502, data=b'e' * 10)


@probe(sysctls={'nf_conntrack_tcp_loose': 0})
def loose0(net, cap):
    run = (net, cap)
    f = Flow(run, 'loose0', 41014)
    f.c('PA', CI + 1, SI + 1, 502, data=b'f' * 10)
    f.s('A', SI + 1, CI + 11, 509)
    f.c('S', CI, 0, 64240)


@probe(sysctls={'nf_conntrack_tcp_be_liberal': 1})
def liberal(net, cap):
    run = (net, cap)
    f = Flow(run, 'liberal', 41015)
    handshake(f)
    f.c('PA', CI + 1 + 900000000, SI + 1, 502, data=b'g' * 10)
    f.c('A', CI + 1, SI + 500000000, 502)
    f.c('R', CI + 1 + 900000000, 0, 0)


def rst_flow(run, name, port):
    f = Flow(run, name, port)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'h' * 100)
    f.s('A', SI + 1, CI + 101, 509)
    f.s('PA', SI + 1, CI + 101, 509, data=b'i' * 20)
    f.c('A', CI + 101, SI + 21, 502)
    return f


@probe()
def invalid_rst(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'invalid_rst', 41016)
    f.c('R', CI + 50, 0, 0)
    f.c('R', CI + 101, 0, 0)


@probe(sysctls={'nf_conntrack_tcp_ignore_invalid_rst': 1})
def ignore_invalid_rst(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'ignore_invalid_rst', 41017)
    f.c('R', CI + 50, 0, 0)


@probe()
def rst_inexact(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'rst_inexact', 41018)
    f.c('R', CI + 111, 0, 0)
    f.s('A', SI + 21, CI + 101, 509)
    f.c('R', CI + 101, 0, 0)


@probe()
def rst_train(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'rst_train', 41019)
    f.s('PA', SI + 21, CI + 101, 509, data=b'j' * 5)
    f.s('RA', SI + 26, CI + 101, 509)


@probe()
def syn_in_established(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'syn_in_established', 41020)
    f.c('S', CI + 9000000, 0, 64240, opts=MSS)
    f.s('RA', 0, CI + 9000001, 0)


@probe()
def syn_in_established_challenge(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'syn_in_established_challenge', 41021)
    f.c('S', CI + 9000000, 0, 64240, opts=MSS)
    f.s('A', SI + 21, CI + 101, 509)
    f.c('R', CI + 101, 0, 0)


@probe()
def synack_retrans(net, cap):
    run = (net, cap)
    f = Flow(run, 'synack_retrans', 41022)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('SA', SI, CI + 1, 65160, opts=MSS)
    f.s('SA', SI, CI + 1, 65160, opts=MSS)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.c('A', CI + 1, SI + 1, 64240)


@probe()
def syn_sent_invalids(net, cap):
    run = (net, cap)
    f = Flow(run, 'syn_sent_invalids', 41023)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.c('FA', CI + 1, 0, 64240)
    f.c('A', CI + 1, 5, 64240)
    f.s('FA', SI, CI + 1, 65160)
    f.s('S', SI, 0, 65160)


@probe()
def half_open(net, cap):
    run = (net, cap)
    f = Flow(run, 'half_open', 41024)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('A', SI + 77, CI + 1, 65160)
    f.c('R', CI + 1, 0, 0)


@probe()
def half_open_challenge(net, cap):
    run = (net, cap)
    f = Flow(run, 'half_open_challenge', 41025)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('A', SI + 77, CI + 555, 65160)
    f.c('R', CI + 555, 0, 0)


@probe()
def syn_retrans_timer(net, cap):
    run = (net, cap)
    f = Flow(run, 'syn_retrans_timer', 41026)
    f.c('S', CI, 0, 64240, opts=MSS)
    time.sleep(1.2)
    f.c('S', CI, 0, 64240, opts=MSS)
    time.sleep(1.2)
    f.c('S', CI + 10, 0, 64240, opts=MSS)


@probe()
def header_errors(net, cap):
    run = (net, cap)
    f = Flow(run, 'header_errors', 41027)
    handshake(f)
    f.c('A', CI + 1, SI + 1, 502, badsum=True)
    f.c('A', CI + 1, SI + 1, 502, trunc=True)
    f.c('SF', CI + 1, SI + 1, 502)
    f.c('SR', CI + 1, SI + 1, 502)
    f.c('FPU', CI + 1, SI + 1, 502)
    f.c('', CI + 1, SI + 1, 502)
    f.c('AU', CI + 1, SI + 1, 502)
    f.c('PAEC', CI + 1, SI + 1, 502, data=b'k')


@probe()
def old_and_overshot(net, cap):
    run = (net, cap)
    f = Flow(run, 'old_and_overshot', 41028)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('SA', SI, CI + 1, 100, opts=MSS)
    f.c('A', CI + 1, SI + 1, 64240)
    f.c('PA', CI + 1 + 150, SI + 1, 64240, data=b'l' * 10)
    f.c('PA', CI + 1 + 99, SI + 1, 64240, data=b'l' * 10)
    f.c('PA', CI + 1 - 200000, SI + 1, 64240, data=b'l' * 10)
    f.s('A', SI + 1 - 100000, CI + 1, 100)
    f.s('A', SI + 1, CI + 1 - 100000, 100)


@probe()
def lowered_timeout(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'lowered_timeout', 41029)
    f.c('FA', CI + 101 + 900000, SI + 21, 502)
    f.s('FA', SI + 21 + 900000, CI + 101, 509)
    f.c('A', CI + 101, SI + 21, 502)


@probe()
def reopen_by_server(net, cap):
    run = (net, cap)
    f = Flow(run, 'reopen_by_server', 41030)
    handshake(f)
    f.c('FA', CI + 1, SI + 1, 502)
    f.s('FA', SI + 1, CI + 2, 509)
    f.c('A', CI + 2, SI + 2, 502)
    f.s('S', SI + 100000, 0, 65160, opts=MSS)
    f.c('SA', CI + 100000, SI + 100001, 64240, opts=MSS)


@probe()
def syn_after_rst(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'syn_after_rst', 41031)
    f.c('R', CI + 101, 0, 0)
    f.c('S', CI + 200000, 0, 64240, opts=MSS)
    f.s('SA', SI + 300000, CI + 200001, 65160, opts=MSS)


@probe()
def syn_after_server_rst(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'syn_after_server_rst', 41032)
    f.s('R', SI + 21, 0, 0)
    f.c('S', CI + 200000, 0, 64240, opts=MSS)
    f.c('S', CI + 200000, 0, 64240, opts=MSS)


@probe()
def keepalive(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'keepalive', 41033)
    f.c('A', CI + 100, SI + 21, 502)
    f.s('A', SI + 21, CI + 101, 509)
    f.c('A', CI + 100, SI + 21, 502, data=b'\0')
    f.s('A', SI + 21, CI + 101, 509)


@probe()
def rst_ack_zero(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'rst_ack_zero', 41034)
    f.c('RA', CI + 101, 0, 0)


@probe()
def flag_firsts(net, cap):
    run = (net, cap)
    Flow(run, 'flag_firsts', 41035).c('SU', CI, 0, 64240)
    Flow(run, 'flag_firsts', 41036).c('SEC', CI, 0, 64240)
    Flow(run, 'flag_firsts', 41037).c('FA', CI, SI, 64240)
    Flow(run, 'flag_firsts', 41038).c('R', CI, 0, 0)
    Flow(run, 'flag_firsts', 41039).c('SA', CI, SI, 64240)
    Flow(run, 'flag_firsts', 41040).c('RA', CI, SI, 0)
    Flow(run, 'flag_firsts', 41041).c('AU', CI, SI, 64240)
    Flow(run, 'flag_firsts', 41042).c('A', CI, SI, 0)


@probe()
def syn_with_data(net, cap):
    run = (net, cap)
    f = Flow(run, 'syn_with_data', 41043)
    f.c('S', CI, 0, 64240, data=b'm' * 10)
    f.s('SA', SI, CI + 11, 65160)
    f.c('A', CI + 11, SI + 1, 64240)


@probe()
def rst_in_time_wait(net, cap):
    run = (net, cap)
    f = Flow(run, 'rst_in_time_wait', 41044)
    handshake(f)
    f.c('FA', CI + 1, SI + 1, 502)
    f.s('FA', SI + 1, CI + 2, 509)
    f.c('A', CI + 2, SI + 2, 502)
    f.s('R', SI + 999999, 0, 0)
    f.c('S', CI + 500000, 0, 64240, opts=MSS)


@probe()
def client_rst_in_syn_sent(net, cap):
    run = (net, cap)
    f = Flow(run, 'client_rst_in_syn_sent', 41045)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.c('R', CI + 1, 0, 0)


@probe()
def new_syn_in_syn_sent(net, cap):
    run = (net, cap)
    f = Flow(run, 'new_syn_in_syn_sent', 41046)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.c('S', CI + 1000, 0, 64240, opts=MSS + WS(5))
    f.s('SA', SI, CI + 1, 65160, opts=MSS)
    f.s('SA', SI, CI + 1001, 65160, opts=MSS + WS(5))
    f.c('A', CI + 1001, SI + 1, 64240)


@probe()
def synack_bad_ack(net, cap):
    run = (net, cap)
    f = Flow(run, 'synack_bad_ack', 41047)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('SA', SI, CI + 5, 65160, opts=MSS)
    f.s('SA', SI, CI - 70000, 65160, opts=MSS)
    f.s('SA', SI, CI + 1, 65160, opts=MSS)


@probe()
def midstream_server_side(net, cap):
    run = (net, cap)
    f = Flow(run, 'midstream_server_side', 41048)
    f.s('PA', SI + 1, CI + 1, 509, data=b'n' * 30)
    f.c('A', CI + 1, SI + 31, 502)
    f.c('PA', CI + 1, SI + 31, 502, data=b'o' * 5)
    f.s('A', SI + 31, CI + 6, 509)
    f.s('FA', SI + 31, CI + 6, 509)


@probe()
def fin_retrans_and_close_wait(net, cap):
    run = (net, cap)
    f = Flow(run, 'fin_retrans_and_close_wait', 41049)
    handshake(f)
    f.c('FA', CI + 1, SI + 1, 502)
    f.c('FA', CI + 1, SI + 1, 502)
    f.s('A', SI + 1, CI + 2, 509)
    f.s('PA', SI + 1, CI + 2, 509, data=b'p' * 7)
    f.c('A', CI + 2, SI + 8, 502)
    f.s('FA', SI + 8, CI + 2, 509)
    f.s('FA', SI + 8, CI + 2, 509)
    f.c('A', CI + 2, SI + 9, 502)
    f.c('A', CI + 2, SI + 9, 502)


@probe()
def rst_after_syn_recv(net, cap):
    run = (net, cap)
    f = Flow(run, 'rst_after_syn_recv', 41050)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('SA', SI, CI + 1, 65160, opts=MSS)
    f.c('R', CI + 1, 0, 0)


@probe(sysctls={'nf_conntrack_tcp_timeout_established': 5})
def rst_inexact_short_established(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'rst_inexact_short_established', 41051)
    f.c('R', CI + 111, 0, 0)


@probe(sysctls={'nf_conntrack_tcp_max_retrans': 0})
def rst_inexact_retrans(net, cap):
    # max_retrans reached first: which timeout wins for the RST?
    run = (net, cap)
    f = rst_flow(run, 'rst_inexact_retrans', 41052)
    f.c('R', CI + 111, 0, 0)


@probe(sysctls={'nf_conntrack_tcp_timeout_close': 500})
def rst_inexact_short_close(net, cap):
    run = (net, cap)
    f = rst_flow(run, 'rst_inexact_short_close', 41053)
    f.c('R', CI + 111, 0, 0)
    f.s('A', SI + 21, CI + 101, 509)
    f.c('R', CI + 101, 0, 0)
