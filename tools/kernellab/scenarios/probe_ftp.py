"""FTP helper probes: control connections crafted frame by frame (pipelined, cut, retransmitted and malformed
commands, third-host and out-of-range numbers, floods, IPv6), each with and without masquerade, sent one frame
at a time with the expectations listed after every frame (expect.txt, "after frame N"). Both hosts drop what
they receive, so only the crafted frames travel; each side acknowledges what it actually received from the
router, so the numbers stay right behind a rewriting NAT. Recorded into testdata/probes/ftp/; helper.ftp's
KernelProbeTest replays them and demands the router's segments and expectations after every frame.

Left out: flood behind masquerade. Two control connections announcing the same port behind one address make the
kernel pick a random port for the second expectation (nf_nat_exp_find_port), which a replay cannot reproduce."""
import ipaddress
import socket
import struct
import time

from ..registry import scenario
from .common import csum
from .probe_tcp import drop_everything_at_hosts


def tcp_frame(src, sp, dst, dp, seq, ack, flags, data=b''):
    v6 = ':' in src
    th = struct.pack('!HHIIBBHHH', sp, dp, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, 64240, 0, 0)
    seg = th + data
    if v6:
        s6 = ipaddress.IPv6Address(src).packed; d6 = ipaddress.IPv6Address(dst).packed
        ph = s6 + d6 + struct.pack('!IxxxB', len(seg), 6)
        c = csum(ph + seg)
        seg = seg[:16] + struct.pack('!H', c) + seg[18:]
        ip = struct.pack('!IHBB', 6 << 28, len(seg), 6, 64) + s6 + d6 + seg
        et = 0x86dd
    else:
        s4 = socket.inet_aton(src); d4 = socket.inet_aton(dst)
        ph = s4 + d4 + struct.pack('!BBH', 0, 6, len(seg))
        c = csum(ph + seg)
        seg = seg[:16] + struct.pack('!H', c) + seg[18:]
        hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(seg), 1, 0, 64, 6, 0, s4, d4)
        hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
        ip = hdr + seg
        et = 0x0800
    return ip, et


def parse(frame):
    et = struct.unpack('!H', frame[12:14])[0]
    ip = frame[14:]
    if et == 0x0800:
        ihl = (ip[0] & 15) * 4; tot = struct.unpack('!H', ip[2:4])[0]; ip = ip[:tot]
        src = socket.inet_ntoa(ip[12:16]); dst = socket.inet_ntoa(ip[16:20]); l4 = ip[ihl:]
    elif et == 0x86dd:
        pl = struct.unpack('!H', ip[4:6])[0]; ip = ip[:40 + pl]
        src = str(ipaddress.IPv6Address(ip[8:24])); dst = str(ipaddress.IPv6Address(ip[24:40])); l4 = ip[40:]
    else:
        return None
    if (ip[9] if et == 0x0800 else ip[6]) != 6:
        return None
    sp, dp, seq, ack, off, fl = struct.unpack('!HHIIBB', l4[:14])
    data = l4[(off >> 4) * 4:]
    return dict(src=src, dst=dst, sp=sp, dp=dp, seq=seq, ack=ack, flags=fl, data=data, ip=ip)


class Driver:
    """Sends crafted frames from the hosts and returns what the router sent in answer (parsed TCP segments)."""
    def __init__(self, net, cap):
        self.net, self.cap = net, cap
        for side in ("lan", "wan"):
            net.raw(side).setblocking(False)

    def _drain(self, side):
        out = []
        s = self.net.raw(side)
        while True:
            try:
                f, addr = s.recvfrom(70000)
            except BlockingIOError:
                return out
            if addr[2] != socket.PACKET_OUTGOING:
                out.append(f)

    def send(self, side, ip, et):
        self.net.send_ip(side, ip)
        time.sleep(0.02)
        eg = [p for h in ("lan", "wan") for p in map(parse, self._drain(h)) if p]
        self.cap.after(ip, table=False, expect=True)
        return eg


class Conn:
    """A TCP conversation between a client (on lan) and a server (on wan); each side acknowledges what it
    actually received from the router, so that the numbers stay right behind a rewriting NAT."""
    def __init__(self, d, client, cport, server, sport=21, cisn=1000, sisn=50000):
        self.d = d; self.client = client; self.cport = cport; self.server = server; self.sport = sport
        self.seen = client; self.seen_port = cport; self.cseq = cisn; self.sseq = sisn
        self.srv_rcv = 0; self.cli_rcv = 0

    def _observe(self, out):
        for p in out:
            n = len(p['data']) + (1 if p['flags'] & 0x03 else 0)
            if p['dst'] == self.server and p['dp'] == self.sport:
                self.srv_rcv = max(self.srv_rcv, (p['seq'] + n) & 0xffffffff)
            elif p['dst'] == self.client and p['dp'] == self.cport:
                self.cli_rcv = max(self.cli_rcv, (p['seq'] + n) & 0xffffffff)
        return out

    def c(self, data=b'', seq=None, flags=None):
        dd = data if isinstance(data, bytes) else data.encode('latin-1')
        ip, et = tcp_frame(self.client, self.cport, self.server, self.sport,
                                self.cseq if seq is None else seq, self.cli_rcv,
                                flags if flags is not None else (0x18 if dd else 0x10), dd)
        if seq is None:
            self.cseq += len(dd)
        return self._observe(self.d.send('lan', ip, et))

    def s(self, data=b'', ack=None):
        dd = data if isinstance(data, bytes) else data.encode('latin-1')
        ip, et = tcp_frame(self.server, self.sport, self.seen, self.seen_port, self.sseq,
                                self.srv_rcv if ack is None else ack, 0x18 if dd else 0x10, dd)
        self.sseq += len(dd)
        return self._observe(self.d.send('wan', ip, et))

    def handshake(self):
        out = self.c(flags=0x02)
        self.cseq += 1
        for p in out:
            if p['dp'] == self.sport:
                self.seen = p['src']; self.seen_port = p['sp']
        ip, et = tcp_frame(self.server, self.sport, self.seen, self.seen_port, self.sseq, self.srv_rcv, 0x12)
        self.sseq += 1
        self._observe(self.d.send('wan', ip, et))
        self.c()
        return self

    def login(self):
        self.s('220 hi\r\n'); self.c('USER a\r\n'); self.s('230 ok\r\n')
        return self


C4, S4 = '198.51.100.10', '203.0.113.10'
C6, S6 = '2001:db8:1::10', '2001:db8:2::10'

def std(d, port=40001, c=C4, s=S4):
    return Conn(d, c, port, s).handshake().login()

# --- scenarios ---------------------------------------------------------------------------------------------
def port_plain(d):
    k = std(d); k.c('PORT 198,51,100,10,156,166\r\n'); k.s('200 ok\r\n'); k.c('LIST\r\n')
    k.c('EPRT |1|198.51.100.10|43313|\r\n'); k.s('200 ok\r\n'); k.c('LIST\r\n'); k.s('150 x\r\n')

def passive(d):
    k = std(d); k.c('PASV\r\n'); k.s('227 Entering Passive Mode (203,0,113,10,117,50).\r\n'); k.c('LIST\r\n')
    k.c('EPSV\r\n'); k.s('229 Entering Extended Passive Mode (|||30005|)\r\n'); k.c('NOOP\r\n')
    k.s('227 =203,0,113,10,117,51\r\n'); k.s('227 Entering Passive Mode 203,0,113,10,117,52\r\n'); k.c('X\r\n')

def pipelined(d):
    k = std(d)
    k.c('NOOP\r\nPORT 198,51,100,10,156,166\r\n')
    k.c('PORT 198,51,100,10,156,167\r\nPORT 198,51,100,10,156,168\r\n')
    k.c('PORT 198,51,100,10,156,169\r\n')
    k.s('200 a\r\n227 Entering Passive Mode (203,0,113,10,117,50).\r\n')
    k.s('227 Entering Passive Mode (203,0,113,10,117,51).\r\n200 b\r\n')

def split(d):
    k = std(d)
    k.c('PORT 198,51,100,10,')
    k.c('156,166\r\n')
    k.c('NOOP\r\nPO')
    k.c('RT 198,51,100,10,156,167\r\n')
    k.c('PORT 198,51,100,10,156,168\r')
    k.c('\n')
    k.c('PORT 198,51,100,10,156,169\r\n')
    k.c('P')
    k.c('PORT')
    k.s('22'); k.s('227 ')

def garbage(d):
    k = std(d)
    at = k.cseq
    k.c('PORT garbage\r\n')
    k.c('PORT garbage\r\n', seq=at)
    k.c('PORT 198,51,100,10,156,166\r\n', seq=at)
    k.c('PORT 198,51,100,10,156,166\n')
    k.c('PORT 1,2,3,4,5,6,7\r\n')
    k.c('PORTAL\r\n')
    k.c('PORT 198,51,100,10,156,166 \r\n')
    k.c('port 198,51,100,10,156,170\r\n')
    k.c('EPRT |1|198.51.100.10|0|\r\n')
    k.c('EPRT |1|198.51.100.10|65536|\r\n')
    k.c('EPRT |1|198.51.100.10|70000|\r\n')
    k.c('EPRT |2|2001:db8::1|2000|\r\n')
    k.c('EPRT  |1|198.51.100.10|2000|\r\n')
    k.c('ePrT !1!198.51.100.10!2001!\r\n')
    k.s('229 Entering Extended Passive Mode (|||0|)\r\n')
    k.s('229 Extended Passive (|||30005)\r\n')
    k.s('229 Entering Extended Passive Mode\r\n')

def numbers(d):
    k = std(d)
    k.c('PORT 10,0,0,1,0,22\r\n')
    k.c('PORT 203,0,113,10,0,25\r\n')
    k.c('PORT 198,51,100,266,1,1\r\n')
    k.c('PORT 198,51,100,25610,1,2\r\n')
    k.c('PORT 198,51,100,10,300,1\r\n')
    k.c('PORT 198,51,100,10,0,0\r\n')
    k.c('PORT 4294967494,51,100,10,1,3\r\n')
    k.s('227 Entering Passive Mode (198,51,100,20,0,22).\r\n')
    k.c('EPRT |1|192.0.2.1|22|\r\n')

def first_segments(d):
    k = Conn(d, C4, 40001, S4).handshake()
    k.c('PORT 198,51,100,10,156,166\r\n')
    k.s('227 Entering Passive Mode (203,0,113,10,117,50).\r\n')
    k.c('PORT 198,51,100,10,156,167\r\n')
    k.s('227 Entering Passive Mode (203,0,113,10,117,51).\r\n')

def flood(d):
    k = std(d)
    k2 = Conn(d, '198.51.100.11', 40002, S4).handshake().login()
    for i in range(40):
        p = 2000 + i
        k.c('PORT 198,51,100,10,%d,%d\r\n' % (p >> 8, p & 255))
        k2.c('EPRT |1|198.51.100.11|%d|\r\n' % p)
    k.s('200 ok\r\n'); k2.s('200 ok\r\n')

def retrans(d):
    k = std(d)
    at = k.cseq
    k.c('PORT 198,51,100,10,156,166\r\n')
    k.c('PORT 198,51,100,10,156,167\r\n', seq=at)
    k.c('NOOP\r\n')
    k.c('PORT 198,51,100,10,156,168\r\n', seq=at)
    k.c('PORT 198,51,100,10,156,169\r\n')

def data_conn(d):
    k = std(d)
    k.c('PORT 198,51,100,10,156,166\r\n')
    k.s('200 ok\r\n')
    ip, et = tcp_frame(S4, 20, k.seen, 40102, 7000, 0, 0x02)
    out = d.send('wan', ip, et)
    if out:
        ip, et = tcp_frame(C4, 40102, S4, 20, 9000, 7001, 0x12)
        d.send('lan', ip, et)
    k.c('LIST\r\n')

def v6(d):
    k = std(d, 46000, C6, S6)
    k.c('EPRT |2|2001:db8:1::10|40000|\r\n')
    k.c('EPRT |2|2001:0DB8:0001:0000:0000:0000:0000:0010|40001|\r\n')
    k.c('EPRT |2|2001:db8:1:0::0.0.0.16|40002|\r\n')
    k.c('EPRT |2|2001:db8:1::11|40003|\r\n')
    k.c('EPRT |2|2001:db8:1::10:|40004|\r\n')
    k.c('EPRT |1|198.51.100.10|40005|\r\n')
    k.c('PORT 198,51,100,10,156,166\r\n')
    k.c('PORT 32,1,13,184,156,167\r\n')
    k.s('229 Entering Extended Passive Mode (|||30005|)\r\n')
    k.s('227 Entering Passive Mode (32,1,13,184,117,50).\r\n')


def _register(fn, nat):
    def run(net, cap):
        fn(Driver(net, cap))
    run.__name__ = fn.__name__ + ("_nat" if nat else "")
    run.__qualname__ = run.__name__
    run.__module__ = __name__
    run.__doc__ = "FTP probe %s%s." % (fn.__name__, " behind masquerade (IPv4 and IPv6)" if nat else ", no NAT")
    spec = dict(home="probes/ftp", helper=True, prepare=drop_everything_at_hosts)
    if nat:
        spec.update(snat=['oifname "wan" masquerade'], nat_text={"masquerade": "oifname wan, IPv4 and IPv6"})
    scenario(**spec)(run)


for _fn in (port_plain, passive, pipelined, split, garbage, numbers, first_segments, flood, retrans, data_conn, v6):
    _register(_fn, False)
for _fn in (port_plain, passive, pipelined, split, garbage, numbers, first_segments, retrans, data_conn, v6):
    _register(_fn, True)
