"""Traffic to the router itself where a socket of its own is open (case.json "router_sockets"): TCP to a listener
reached through redirect (an SSH-like session in which only the client writes) and UDP to a bound port. The
router's application reads and never writes, so what the router sends is its stacks' alone (handshake,
acknowledgements, close), which a replay can give; only the values the kernel draws at random (initial sequence
number, timestamp offset) have to be taken from the capture."""
import socket
import struct
import time

from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6

from ..registry import scenario
from ..traffic import C1, C1_6, RTR_LAN, SRV
from .common import GAP

RTR_LAN_6 = "2001:db8:1::1"

SSH = ['iifname "lan" tcp dport 22 redirect to :2222']


def _ssh_like(net, dst, dport, sport):
    c = net.tcp_socket(C1, sport)
    c.settimeout(3)
    c.connect((dst, dport))
    time.sleep(GAP)
    c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    time.sleep(GAP)
    c.sendall(bytes(range(256)) * 4)
    time.sleep(GAP)
    c.sendall(b"\x00\x00\x00\x0c\x0a\x15" + b"\x00" * 10)
    time.sleep(GAP)
    c.close()
    time.sleep(0.4)


@scenario(home="probes/local", dnat=SSH, nat_text={"redirect": SSH}, params={"cport": 46100},
          prepare=lambda net: net.router_listen("tcp", "0.0.0.0", 2222, "an sshd-like reader behind redirect"))
def ssh_redirect_listener(net, cap):
    """A LAN client opens TCP to a WAN server's port 22, redirected to the router's own listener on port 2222:
    the router's stack completes the handshake, acknowledges the client's banner and two more writes, and
    closes when the client has closed (its FIN answered by the router's). The router's segments leave from the
    server's address with IP ids the kernel draws per socket, which the capture cannot show."""
    _ssh_like(net, SRV, 22, 46100)


@scenario(home="probes/local", params={"cport": 46101},
          prepare=lambda net: net.router_listen("tcp", RTR_LAN, 2222, "an sshd-like reader on the LAN address"))
def tcp_router_listener(net, cap):
    """The same session straight to the router's own listener on its LAN address, port 2222."""
    _ssh_like(net, RTR_LAN, 2222, 46101)


@scenario(params={"cport": 46200},
          prepare=lambda net: net.router_listen("udp", RTR_LAN, 5353, "a reader bound to the LAN address"))
def udp_router_socket(net, cap):
    """UDP from a LAN client to the router's own bound port 5353 (taken in, no answer), twice, then to port 5354
    where nothing is bound (port unreachable)."""
    c = net.udp_socket(C1, 46200)
    c.sendto(b"query one", (RTR_LAN, 5353))
    time.sleep(GAP)
    c.sendto(b"query two", (RTR_LAN, 5353))
    time.sleep(GAP)
    c.sendto(b"to a closed port", (RTR_LAN, 5354))
    time.sleep(GAP)


def _listener(addr, note):
    return lambda net: net.router_listen("tcp", addr, 2222, note)


@scenario(home="probes/local", params={"cport": 46110},
          prepare=_listener(RTR_LAN, "a reader on the LAN address"))
def tcp_listener_sizes(net, cap):
    """Writes of several sizes to the router's listener, each a pause apart: one small (100 B), one full segment,
    two and a half segments, then ten segments back to back, so that the receive window grows as rcv_ssthresh,
    the scaling ratio and the free buffer let it; then the client closes."""
    c = net.tcp_socket(C1, 46110)
    c.settimeout(3)
    c.connect((RTR_LAN, 2222))
    time.sleep(GAP)
    for n in (100, 1448, 3620, 14480):
        c.sendall(bytes(range(256)) * (n // 256) + b"z" * (n % 256))
        time.sleep(GAP)
    c.close()
    time.sleep(0.4)


@scenario(home="probes/local", params={"cport": 46111},
          prepare=_listener(RTR_LAN, "a reader on the LAN address"))
def tcp_listener_shutdown(net, cap):
    """The client writes and at once shuts its side down (data then FIN with no pause), waits for the router's FIN,
    then closes; a second connection from the next port is reset by the client (SO_LINGER 0) after one write."""
    c = net.tcp_socket(C1, 46111)
    c.settimeout(3)
    c.connect((RTR_LAN, 2222))
    time.sleep(GAP)
    c.sendall(b"hello router\n" * 20)
    c.shutdown(socket.SHUT_WR)
    try:
        c.recv(100)
    except OSError:
        pass
    time.sleep(GAP)
    c.close()
    r = net.tcp_socket(C1, 46112)
    r.settimeout(3)
    r.connect((RTR_LAN, 2222))
    time.sleep(GAP)
    r.sendall(b"x" * 700)
    time.sleep(GAP)
    r.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    r.close()
    time.sleep(0.4)


@scenario(home="probes/local", params={"cport": 46120},
          prepare=_listener(RTR_LAN, "a reader on the LAN address"))
def tcp_listener_crafted(net, cap):
    """Crafted segments to the listener: a SYN carrying 20 bytes (the SYN-ACK acknowledges the SYN only; the LAN
    host, which has no such socket, resets it), a bare ACK with no connection (the listener resets it), a lone
    FIN (dropped), and a SYN without any option (a SYN-ACK with the MSS option alone, then reset by the host)."""
    opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)), ("NOP", None), ("WScale", 7)]
    net.send(IP(src=C1, dst=RTR_LAN) / TCP(sport=46120, dport=2222, flags="S", seq=1000, options=opts)
             / (b"d" * 20))
    time.sleep(GAP)
    net.send(IP(src=C1, dst=RTR_LAN) / TCP(sport=46121, dport=2222, flags="A", seq=5000, ack=7000))
    time.sleep(GAP)
    net.send(IP(src=C1, dst=RTR_LAN) / TCP(sport=46122, dport=2222, flags="F", seq=9000))
    time.sleep(GAP)
    net.send(IP(src=C1, dst=RTR_LAN) / TCP(sport=46123, dport=2222, flags="S", seq=3000))
    time.sleep(0.4)


@scenario(home="probes/local", params={"cport": 46130},
          prepare=_listener(RTR_LAN_6, "a reader on the LAN IPv6 address"))
def tcp_listener_ipv6(net, cap):
    """The SSH-like session over IPv6 to the router's listener on its LAN address (MSS 1440)."""
    c = net.tcp_socket(C1_6, 46130)
    c.settimeout(3)
    c.connect((RTR_LAN_6, 2222))
    time.sleep(GAP)
    c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    time.sleep(GAP)
    c.sendall(bytes(range(256)) * 8)
    time.sleep(GAP)
    c.close()
    time.sleep(0.4)


@scenario(home="probes/local", params={"cport": 46140},
          prepare=_listener(RTR_LAN, "a reader on the LAN address"))
def tcp_listener_bulk(net, cap):
    """Two bulk writes of 40,000 bytes (28 segments each, back to back) a pause apart, then the client closes: past
    Linux's 16 quick ACKs, where the window stops growing and the receive buffer fills while the reader catches up."""
    c = net.tcp_socket(C1, 46140)
    c.settimeout(3)
    c.connect((RTR_LAN, 2222))
    time.sleep(GAP)
    for _ in range(2):
        c.sendall(bytes(range(250)) * 160)
        time.sleep(GAP)
    c.close()
    time.sleep(0.4)
