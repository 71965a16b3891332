"""Traffic for scenarios: real sockets in the host namespaces, crafted frames on AF_PACKET."""
import socket
import struct
import threading
import time

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from . import ctnetlink
from .lab import ROUTER

C1, C2, LSRV = "198.51.100.10", "198.51.100.11", "198.51.100.20"
SRV, WCLI, RTR_WAN, RTR_LAN = "203.0.113.10", "203.0.113.30", "203.0.113.1", "198.51.100.1"
C1_6, LSRV_6, SRV_6, RTR_WAN_6 = "2001:db8:1::10", "2001:db8:1::20", "2001:db8:2::10", "2001:db8:2::1"


def side_of(addr):
    return "lan" if addr.startswith("198.51.100.") or addr.startswith("2001:db8:1:") else "wan"


class Net:
    def __init__(self, lab):
        self.lab = lab
        self.notes = []
        self.threads = []
        self._raw = {}
        self.operations = []    # what was done to the router's table besides packets: case.json "operations"
        self.router_sockets = []    # the router's own sockets: case.json "router_sockets"
        self._own = []

    def note(self, text):
        self.notes.append(text)

    # -- real sockets -------------------------------------------------------------------------------
    def _bound(self, addr, port, kind, buffer=(None, None)):
        """A socket of ``kind`` in the namespace owning ``addr`` with SO_REUSEADDR, bound to (addr, port);
        buffer: (SO_RCVBUF or SO_SNDBUF, size) set before binding when a size is given."""
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = self.lab.socket(side_of(addr), fam, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        opt, size = buffer
        if size:
            s.setsockopt(socket.SOL_SOCKET, opt, size)
        s.bind((addr, port))
        return s

    def tcp_listen(self, addr, port, rcvbuf=None, backlog=8):
        s = self._bound(addr, port, socket.SOCK_STREAM, (socket.SO_RCVBUF, rcvbuf))
        s.listen(backlog)
        return s

    def tcp_socket(self, src, sport=0, sndbuf=None):
        return self._bound(src, sport, socket.SOCK_STREAM, (socket.SO_SNDBUF, sndbuf))

    def tcp_pair(self, src, sport, dst, dport, listener=None, timeout=3):
        """A connected (client, server-side) pair; the listener is created if not given."""
        ls = listener or self.tcp_listen(dst, dport)
        c = self.tcp_socket(src, sport)
        c.settimeout(timeout)
        c.connect((dst, dport))
        ls.settimeout(timeout)
        s, _ = ls.accept()
        s.settimeout(timeout)
        if listener is None:
            ls.close()
        return c, s

    def udp_socket(self, addr, port=0):
        s = self._bound(addr, port, socket.SOCK_DGRAM)
        s.settimeout(2)
        return s

    @staticmethod
    def linger0(s):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def abort(self, s):
        """Closes with SO_LINGER 0: the stack sends a RST instead of a FIN."""
        self.linger0(s)
        s.close()

    @staticmethod
    def recv_exact(s, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = s.recv(min(65536, n - len(buf)))
            if not chunk:
                break
            buf += chunk
        return bytes(buf)

    def bg(self, fn, *args):
        t = threading.Thread(target=fn, args=args, daemon=True)
        t.start()
        self.threads.append(t)
        return t

    def join(self, timeout=20):
        for t in self.threads:
            t.join(timeout)
        self.threads = []

    # -- the router's own sockets ---------------------------------------------------------------------
    def router_listen(self, proto, addr, port, note=""):
        """A socket of the router's own on (addr, port): TCP listening, UDP bound. Its application reads everything
        and writes nothing (a replay can know what the router's stack answers, never what an application would
        write); it closes a TCP connection when the peer has closed it. Listed in case.json "router_sockets"."""
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        s = self.lab.socket("rtr", fam, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.settimeout(0.2)
        self._own.append(s)
        if proto == "tcp":
            s.listen(8)
            threading.Thread(target=self._tcp_sink, args=(s,), daemon=True).start()
        else:
            threading.Thread(target=self._udp_sink, args=(s,), daemon=True).start()
        self.router_sockets.append({"protocol": proto, "family": "ipv6" if fam == socket.AF_INET6 else "ipv4",
                                    "address": addr, "port": port, "state": "LISTEN" if proto == "tcp" else "UNCONN",
                                    "owner": "kernellab sink (reads, never writes)", "note": note})
        return s

    def _tcp_sink(self, ls):
        while ls.fileno() >= 0:
            try:
                c, _ = ls.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._drain, args=(c,), daemon=True).start()

    @staticmethod
    def _drain(c):
        c.settimeout(10)
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass
        c.close()

    @staticmethod
    def _udp_sink(s):
        while s.fileno() >= 0:
            try:
                s.recv(65536)
            except (socket.timeout, OSError):
                continue

    # -- crafted frames -----------------------------------------------------------------------------
    def raw(self, side):
        if side not in self._raw:
            s = self.lab.socket(side, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
            s.bind(("eth0", 0))
            self._raw[side] = s
        return self._raw[side]

    def ether(self, side):
        r = ROUTER[side]
        return Ether(src=r["peer_mac"], dst=r["mac"])

    def send(self, pkt, side=None):
        """Sends an IP/IPv6 scapy packet from the host namespace that owns its source address."""
        side = side or side_of(pkt.src)
        frame = bytes(self.ether(side) / pkt)
        self.raw(side).send(frame)

    def send_ip(self, side, ip):
        """Sends the bytes of an IP packet (from the IP header on) from a host, unchanged."""
        r = ROUTER[side]
        eth = bytes.fromhex(r["mac"].replace(":", "")) + bytes.fromhex(r["peer_mac"].replace(":", ""))
        self.raw(side).send(eth + (b"\x86\xdd" if ip[0] >> 4 == 6 else b"\x08\x00") + bytes(ip))

    def sniff_tcp(self, side, sport, dport, timeout=1.0):
        """First TCP segment from sport to dport seen on the host's eth0 (as received), as scapy packet."""
        s = self.raw(side)
        end = time.time() + timeout
        s.settimeout(0.05)
        while time.time() < end:
            try:
                data, addr = s.recvfrom(65536)
            except socket.timeout:
                continue
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            p = Ether(data)
            if TCP in p and p[TCP].sport == sport and p[TCP].dport == dport:
                return p
        return None

    # -- the router's table ------------------------------------------------------------------------
    def remove_helper(self, src, sport, dst, dport, proto=6):
        """Takes the helper away from the router's IPv4 connection with this original tuple (ctnetlink, as a helper
        module unloaded would) and records it for the replay, with the time it was done."""
        at = time.time_ns()
        ctnetlink.remove_helper(self.lab, src, dst, proto, sport, dport)
        self.operations.append({"time_ns": at, "op": "remove_helper", "family": "ipv4", "proto": proto, "src": src,
                                "dst": dst, "sport": sport, "dport": dport})

    def host_nft(self, side, text):
        self.lab.nft(side, text)

    def host_nft_delete(self, side, table):
        """Removes the host's table ``table`` (family inet) that host_nft loaded."""
        self.lab.sh(side, ["nft", "delete", "table", "inet", table])

    def close(self):
        for s in self._raw.values():
            s.close()
        for s in self._own:
            s.close()
