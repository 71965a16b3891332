"""Traffic to the router itself where a socket of its own is open (case.json "router_sockets"): TCP to a listener
reached through redirect (an SSH-like session in which only the client writes) and UDP to a bound port. The
router's application reads and never writes, so what the router sends is its stacks' alone (handshake,
acknowledgements, close), which a replay can give; only the values the kernel draws at random (initial sequence
number, timestamp offset) have to be taken from the capture."""
import time

from ..registry import scenario
from ..traffic import C1, RTR_LAN, SRV
from .common import GAP

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
