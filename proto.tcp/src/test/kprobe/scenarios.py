"""Runs TCP scenarios through the running kernel's conntrack and writes what it decided per packet:
   scenario, side, wall time (ns), packet hex, ct state, ct dir, reasons, conntrack line of the flow.
Usage: python3 scenarios.py OUT.tsv [scenario-name-prefix...]"""
import struct, sys, time
import netlab
from netlab import C4, S4, C6, S6

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


class Run:
    def __init__(self, lab, out):
        self.lab, self.out, self.tag = lab, out, 2000

    def sysctl(self, scen, d):
        netlab.set_sysctls(d)
        for k, v in d.items():
            self.out.write('#sysctl\t%s\t%s\t%s\n' % (scen, k, v))


class Flow:
    def __init__(self, run, name, cport, sport=80, v6=False):
        self.run, self.name, self.cport, self.sport, self.v6 = run, name, cport, sport, v6
        self.c_addr, self.s_addr = (C6, S6) if v6 else (C4, S4)

    def _send(self, side, src, dst, sp, dp, flags, seq, ack, win, data, opts, badsum, trunc):
        self.run.tag += 1
        ip = netlab.tcp_segment(src, dst, sp, dp, seq, ack, flags, win, opts, data, self.v6, self.run.tag, badsum)
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
                struct.pack_into('!H', b, 10, netlab.csum(bytes(b[:20])))
            ip = bytes(b)
        t = time.time_ns()
        st, dr, reasons, table = self.run.lab.send(side, ip)
        key = 'sport=%d dport=%d ' % (self.cport, self.sport)
        rkey = 'sport=%d dport=%d ' % (self.sport, self.cport)
        lines = [l for l in table if key in l or rkey in l]
        self.run.out.write('\t'.join([self.name, side, str(t), ip.hex(), st or '?', dr or '?',
                                      ' || '.join(reasons) if reasons else '-',
                                      ' ## '.join(lines) if lines else '-']) + '\n')
        self.run.out.flush()
        return st, dr, reasons, lines

    def c(self, flags, seq, ack=0, win=64240, data=b'', opts=b'', badsum=False, trunc=False):
        return self._send('lan', self.c_addr, self.s_addr, self.cport, self.sport, flags, seq, ack, win, data, opts,
                          badsum, trunc)

    def s(self, flags, seq, ack=0, win=65160, data=b'', opts=b'', badsum=False, trunc=False):
        return self._send('wan', self.s_addr, self.c_addr, self.sport, self.cport, flags, seq, ack, win, data, opts,
                          badsum, trunc)


CI, SI = 1000000, 7000000  # initial sequence numbers


def handshake(f, copts=MSS + SACKPERM + WS(7), sopts=MSS + SACKPERM + WS(7), cwin=64240, swin=65160, awin=502):
    f.c('S', CI, 0, cwin, opts=copts)
    f.s('SA', SI, CI + 1, swin, opts=sopts)
    f.c('A', CI + 1, SI + 1, awin)


SCENARIOS = []


def scenario(fn):
    SCENARIOS.append(fn)
    return fn


@scenario
def basic(run):
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


@scenario
def basic_v6(run):
    f = Flow(run, 'basic_v6', 41002, v6=True)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'x' * 18)
    f.s('A', SI + 1, CI + 19, 509)
    f.c('FA', CI + 19, SI + 1, 502)
    f.s('FA', SI + 1, CI + 20, 509)
    f.c('A', CI + 20, SI + 2, 502)


@scenario
def simopen(run):
    f = Flow(run, 'simopen', 41003)
    f.c('S', CI, 0, 64240, opts=MSS + SACKPERM + WS(7))
    f.s('S', SI, 0, 65160, opts=MSS + SACKPERM + WS(7))
    f.c('SA', CI, SI + 1, 64240, opts=MSS + SACKPERM + WS(7))
    f.s('SA', SI, CI + 1, 65160, opts=MSS + SACKPERM + WS(7))
    f.c('A', CI + 1, SI + 1, 502)
    f.s('A', SI + 1, CI + 1, 509)
    f.c('PA', CI + 1, SI + 1, 502, data=b'z' * 10)
    f.s('A', SI + 1, CI + 11, 509)


@scenario
def simopen_ack_first(run):
    # after both SYNs, one side ACKs (SYN/ACK never seen from the other)
    f = Flow(run, 'simopen_ack_first', 41004)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('S', SI, 0, 65160, opts=MSS)
    f.s('SA', SI, CI + 1, 65160, opts=MSS)
    f.c('A', CI + 1, SI + 1, 64240)
    f.s('A', SI + 1, CI + 1, 65160)


@scenario
def retrans_ack(run):
    f = Flow(run, 'retrans_ack', 41005)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'a' * 10)
    for _ in range(5):
        f.s('A', SI + 1, CI + 11, 509)
    f.c('A', CI + 11, SI + 1, 502)


@scenario
def retrans_data(run):
    f = Flow(run, 'retrans_data', 41006)
    handshake(f)
    for _ in range(5):
        f.c('PA', CI + 1, SI + 1, 502, data=b'a' * 10)
    f.s('A', SI + 1, CI + 11, 509)
    f.c('A', CI + 11, SI + 1, 502)


@scenario
def zero_window(run):
    f = Flow(run, 'zero_window', 41007)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'a' * 10)
    f.s('A', SI + 1, CI + 11, 0)
    f.c('A', CI + 11, SI + 1, 502)
    f.c('A', CI + 11, SI + 1, 0)
    f.s('A', SI + 1, CI + 11, 509)
    f.c('A', CI + 11, SI + 1, 502)


@scenario
def wscale_both(run):
    f = Flow(run, 'wscale_both', 41008)
    handshake(f, awin=1000)
    f.s('A', SI + 1, CI + 1, 1000)                                # 1000 << 7 = 128000
    f.c('PA', CI + 1 + 100000, SI + 1, 1000, data=b'b' * 100)    # beyond 65160, within 128000
    f.c('PA', CI + 1 + 200000, SI + 1, 1000, data=b'b' * 100)    # beyond 128000
    f.s('A', SI + 1, CI + 1, 1000)


@scenario
def wscale_one_side(run):
    f = Flow(run, 'wscale_one_side', 41009)
    handshake(f, copts=MSS + WS(7), sopts=MSS, awin=1000)
    f.s('A', SI + 1, CI + 1, 1000)
    f.c('PA', CI + 1 + 60000, SI + 1, 1000, data=b'b' * 100)
    f.c('PA', CI + 1 + 70000, SI + 1, 1000, data=b'b' * 100)


@scenario
def sack(run):
    f = Flow(run, 'sack', 41010)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'c' * 100)
    f.c('PA', CI + 101, SI + 1, 502, data=b'c' * 100)
    f.c('PA', CI + 201, SI + 1, 502, data=b'c' * 100)
    f.s('A', SI + 1, CI + 101, 509, opts=SACK((CI + 201, CI + 301)))
    f.s('A', SI + 1, CI + 101, 509, opts=SACK((CI + 201, CI + 401)))
    f.s('A', SI + 1, CI + 301, 509)


@scenario
def sack_not_permitted(run):
    f = Flow(run, 'sack_not_permitted', 41011)
    handshake(f, copts=MSS + WS(7), sopts=MSS + WS(7))
    f.c('PA', CI + 1, SI + 1, 502, data=b'c' * 100)
    f.s('A', SI + 1, CI + 51, 509, opts=SACK((CI + 51, CI + 401)))


@scenario
def challenge_ack_last_ack(run):
    f = Flow(run, 'challenge_ack_last_ack', 41012)
    handshake(f)
    f.c('FA', CI + 1, SI + 1, 502)
    f.s('FA', SI + 1, CI + 2, 509)
    f.c('S', CI + 5000000, 0, 64240, opts=MSS + SACKPERM + WS(7))
    f.s('A', SI + 2, CI + 2, 509)
    f.c('A', CI + 2, SI + 2, 502)


@scenario
def resync_synack(run):
    f = Flow(run, 'resync_synack', 41013)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'd' * 10)
    f.s('A', SI + 1, CI + 11, 509)
    f.c('S', CI + 3000000, 0, 64240, opts=MSS + SACKPERM + WS(6))
    f.s('SA', SI + 4000000, CI + 3000001, 65160, opts=MSS + SACKPERM + WS(6))
    f.c('A', CI + 3000001, SI + 4000001, 502)
    f.c('PA', CI + 3000001, SI + 4000001, 502, data=b'e' * 10)


@scenario
def loose0(run):
    run.sysctl('loose0', {'nf_conntrack_tcp_loose': 0})
    try:
        f = Flow(run, 'loose0', 41014)
        f.c('PA', CI + 1, SI + 1, 502, data=b'f' * 10)
        f.s('A', SI + 1, CI + 11, 509)
        f.c('S', CI, 0, 64240)
    finally:
        run.sysctl('loose0', {'nf_conntrack_tcp_loose': 1})


@scenario
def liberal(run):
    run.sysctl('liberal', {'nf_conntrack_tcp_be_liberal': 1})
    try:
        f = Flow(run, 'liberal', 41015)
        handshake(f)
        f.c('PA', CI + 1 + 900000000, SI + 1, 502, data=b'g' * 10)
        f.c('A', CI + 1, SI + 500000000, 502)
        f.c('R', CI + 1 + 900000000, 0, 0)
    finally:
        run.sysctl('liberal', {'nf_conntrack_tcp_be_liberal': 0})


def rst_flow(run, name, port):
    f = Flow(run, name, port)
    handshake(f)
    f.c('PA', CI + 1, SI + 1, 502, data=b'h' * 100)
    f.s('A', SI + 1, CI + 101, 509)
    f.s('PA', SI + 1, CI + 101, 509, data=b'i' * 20)
    f.c('A', CI + 101, SI + 21, 502)
    return f


@scenario
def invalid_rst(run):
    f = rst_flow(run, 'invalid_rst', 41016)
    f.c('R', CI + 50, 0, 0)
    f.c('R', CI + 101, 0, 0)


@scenario
def ignore_invalid_rst(run):
    run.sysctl('ignore_invalid_rst', {'nf_conntrack_tcp_ignore_invalid_rst': 1})
    try:
        f = rst_flow(run, 'ignore_invalid_rst', 41017)
        f.c('R', CI + 50, 0, 0)
    finally:
        run.sysctl('ignore_invalid_rst', {'nf_conntrack_tcp_ignore_invalid_rst': 0})


@scenario
def rst_inexact(run):
    f = rst_flow(run, 'rst_inexact', 41018)
    f.c('R', CI + 111, 0, 0)
    f.s('A', SI + 21, CI + 101, 509)
    f.c('R', CI + 101, 0, 0)


@scenario
def rst_train(run):
    f = rst_flow(run, 'rst_train', 41019)
    f.s('PA', SI + 21, CI + 101, 509, data=b'j' * 5)
    f.s('RA', SI + 26, CI + 101, 509)


@scenario
def syn_in_established(run):
    f = rst_flow(run, 'syn_in_established', 41020)
    f.c('S', CI + 9000000, 0, 64240, opts=MSS)
    f.s('RA', 0, CI + 9000001, 0)


@scenario
def syn_in_established_challenge(run):
    f = rst_flow(run, 'syn_in_established_challenge', 41021)
    f.c('S', CI + 9000000, 0, 64240, opts=MSS)
    f.s('A', SI + 21, CI + 101, 509)
    f.c('R', CI + 101, 0, 0)


@scenario
def synack_retrans(run):
    f = Flow(run, 'synack_retrans', 41022)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('SA', SI, CI + 1, 65160, opts=MSS)
    f.s('SA', SI, CI + 1, 65160, opts=MSS)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.c('A', CI + 1, SI + 1, 64240)


@scenario
def syn_sent_invalids(run):
    f = Flow(run, 'syn_sent_invalids', 41023)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.c('FA', CI + 1, 0, 64240)
    f.c('A', CI + 1, 5, 64240)
    f.s('FA', SI, CI + 1, 65160)
    f.s('S', SI, 0, 65160)


@scenario
def half_open(run):
    f = Flow(run, 'half_open', 41024)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('A', SI + 77, CI + 1, 65160)
    f.c('R', CI + 1, 0, 0)


@scenario
def half_open_challenge(run):
    f = Flow(run, 'half_open_challenge', 41025)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('A', SI + 77, CI + 555, 65160)
    f.c('R', CI + 555, 0, 0)


@scenario
def syn_retrans_timer(run):
    f = Flow(run, 'syn_retrans_timer', 41026)
    f.c('S', CI, 0, 64240, opts=MSS)
    time.sleep(1.2)
    f.c('S', CI, 0, 64240, opts=MSS)
    time.sleep(1.2)
    f.c('S', CI + 10, 0, 64240, opts=MSS)


@scenario
def header_errors(run):
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


@scenario
def old_and_overshot(run):
    f = Flow(run, 'old_and_overshot', 41028)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('SA', SI, CI + 1, 100, opts=MSS)
    f.c('A', CI + 1, SI + 1, 64240)
    f.c('PA', CI + 1 + 150, SI + 1, 64240, data=b'l' * 10)
    f.c('PA', CI + 1 + 99, SI + 1, 64240, data=b'l' * 10)
    f.c('PA', CI + 1 - 200000, SI + 1, 64240, data=b'l' * 10)
    f.s('A', SI + 1 - 100000, CI + 1, 100)
    f.s('A', SI + 1, CI + 1 - 100000, 100)


@scenario
def lowered_timeout(run):
    f = rst_flow(run, 'lowered_timeout', 41029)
    f.c('FA', CI + 101 + 900000, SI + 21, 502)
    f.s('FA', SI + 21 + 900000, CI + 101, 509)
    f.c('A', CI + 101, SI + 21, 502)


@scenario
def reopen_by_server(run):
    f = Flow(run, 'reopen_by_server', 41030)
    handshake(f)
    f.c('FA', CI + 1, SI + 1, 502)
    f.s('FA', SI + 1, CI + 2, 509)
    f.c('A', CI + 2, SI + 2, 502)
    f.s('S', SI + 100000, 0, 65160, opts=MSS)
    f.c('SA', CI + 100000, SI + 100001, 64240, opts=MSS)


@scenario
def syn_after_rst(run):
    f = rst_flow(run, 'syn_after_rst', 41031)
    f.c('R', CI + 101, 0, 0)
    f.c('S', CI + 200000, 0, 64240, opts=MSS)
    f.s('SA', SI + 300000, CI + 200001, 65160, opts=MSS)


@scenario
def syn_after_server_rst(run):
    f = rst_flow(run, 'syn_after_server_rst', 41032)
    f.s('R', SI + 21, 0, 0)
    f.c('S', CI + 200000, 0, 64240, opts=MSS)
    f.c('S', CI + 200000, 0, 64240, opts=MSS)


@scenario
def keepalive(run):
    f = rst_flow(run, 'keepalive', 41033)
    f.c('A', CI + 100, SI + 21, 502)
    f.s('A', SI + 21, CI + 101, 509)
    f.c('A', CI + 100, SI + 21, 502, data=b'\0')
    f.s('A', SI + 21, CI + 101, 509)


@scenario
def rst_ack_zero(run):
    f = rst_flow(run, 'rst_ack_zero', 41034)
    f.c('RA', CI + 101, 0, 0)


@scenario
def flag_firsts(run):
    Flow(run, 'flag_firsts', 41035).c('SU', CI, 0, 64240)
    Flow(run, 'flag_firsts', 41036).c('SEC', CI, 0, 64240)
    Flow(run, 'flag_firsts', 41037).c('FA', CI, SI, 64240)
    Flow(run, 'flag_firsts', 41038).c('R', CI, 0, 0)
    Flow(run, 'flag_firsts', 41039).c('SA', CI, SI, 64240)
    Flow(run, 'flag_firsts', 41040).c('RA', CI, SI, 0)
    Flow(run, 'flag_firsts', 41041).c('AU', CI, SI, 64240)
    Flow(run, 'flag_firsts', 41042).c('A', CI, SI, 0)


@scenario
def syn_with_data(run):
    f = Flow(run, 'syn_with_data', 41043)
    f.c('S', CI, 0, 64240, data=b'm' * 10)
    f.s('SA', SI, CI + 11, 65160)
    f.c('A', CI + 11, SI + 1, 64240)


@scenario
def rst_in_time_wait(run):
    f = Flow(run, 'rst_in_time_wait', 41044)
    handshake(f)
    f.c('FA', CI + 1, SI + 1, 502)
    f.s('FA', SI + 1, CI + 2, 509)
    f.c('A', CI + 2, SI + 2, 502)
    f.s('R', SI + 999999, 0, 0)
    f.c('S', CI + 500000, 0, 64240, opts=MSS)


@scenario
def client_rst_in_syn_sent(run):
    f = Flow(run, 'client_rst_in_syn_sent', 41045)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.c('R', CI + 1, 0, 0)


@scenario
def new_syn_in_syn_sent(run):
    f = Flow(run, 'new_syn_in_syn_sent', 41046)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.c('S', CI + 1000, 0, 64240, opts=MSS + WS(5))
    f.s('SA', SI, CI + 1, 65160, opts=MSS)
    f.s('SA', SI, CI + 1001, 65160, opts=MSS + WS(5))
    f.c('A', CI + 1001, SI + 1, 64240)


@scenario
def synack_bad_ack(run):
    f = Flow(run, 'synack_bad_ack', 41047)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('SA', SI, CI + 5, 65160, opts=MSS)
    f.s('SA', SI, CI - 70000, 65160, opts=MSS)
    f.s('SA', SI, CI + 1, 65160, opts=MSS)


@scenario
def midstream_server_side(run):
    f = Flow(run, 'midstream_server_side', 41048)
    f.s('PA', SI + 1, CI + 1, 509, data=b'n' * 30)
    f.c('A', CI + 1, SI + 31, 502)
    f.c('PA', CI + 1, SI + 31, 502, data=b'o' * 5)
    f.s('A', SI + 31, CI + 6, 509)
    f.s('FA', SI + 31, CI + 6, 509)


@scenario
def fin_retrans_and_close_wait(run):
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


@scenario
def rst_after_syn_recv(run):
    f = Flow(run, 'rst_after_syn_recv', 41050)
    f.c('S', CI, 0, 64240, opts=MSS)
    f.s('SA', SI, CI + 1, 65160, opts=MSS)
    f.c('R', CI + 1, 0, 0)


@scenario
def rst_inexact_short_established(run):
    run.sysctl('rst_inexact_short_established', {'nf_conntrack_tcp_timeout_established': 5})
    try:
        f = rst_flow(run, 'rst_inexact_short_established', 41051)
        f.c('R', CI + 111, 0, 0)
    finally:
        run.sysctl('rst_inexact_short_established', {'nf_conntrack_tcp_timeout_established': 432000})


@scenario
def rst_inexact_retrans(run):
    # max_retrans reached first: which timeout wins for the RST?
    run.sysctl('rst_inexact_retrans', {'nf_conntrack_tcp_max_retrans': 0})
    try:
        f = rst_flow(run, 'rst_inexact_retrans', 41052)
        f.c('R', CI + 111, 0, 0)
    finally:
        run.sysctl('rst_inexact_retrans', {'nf_conntrack_tcp_max_retrans': 3})


@scenario
def rst_inexact_short_close(run):
    run.sysctl('rst_inexact_short_close', {'nf_conntrack_tcp_timeout_close': 500})
    try:
        f = rst_flow(run, 'rst_inexact_short_close', 41053)
        f.c('R', CI + 111, 0, 0)
        f.s('A', SI + 21, CI + 101, 509)
        f.c('R', CI + 101, 0, 0)
    finally:
        run.sysctl('rst_inexact_short_close', {'nf_conntrack_tcp_timeout_close': 10})


def main():
    out_path = sys.argv[1]
    prefixes = sys.argv[2:]
    lab = netlab.Lab()
    try:
        with open(out_path, 'w') as out:
            run = Run(lab, out)
            for fn in SCENARIOS:
                if prefixes and not any(fn.__name__.startswith(p) for p in prefixes):
                    continue
                fn(run)
    finally:
        lab.close()


if __name__ == '__main__':
    main()
