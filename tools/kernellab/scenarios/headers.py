"""Header variants: malformed packets, IPv4 options, IPv6 extension headers, other IP protocols."""

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw

from ..registry import scenario
from ..traffic import C1, C1_6, RTR_WAN_6, SRV, SRV_6
from .common import MASQ_TEXT, NAT6, OPTS, malformed_on_flows, ping, silenced, steps, udp_ask, udp_flow


@scenario(params={"cport": 44600, "port": 6300, "ucport": 42600, "uport": 6301})
def malformed(net, cap):
    """Crafted malformed packets on live flows (TCP C1->SRV, UDP C1->SRV, ping): TCP with a bad checksum, TCP
    with data offset < 5, a truncated TCP header, UDP with a bad checksum, UDP length larger and smaller than
    the datagram, UDP with checksum 0, ICMP echo with a bad checksum, a truncated ICMP header, ICMP error with a
    bad checksum quoting the UDP flow, an ICMP error quoting a truncated header; then the flows continue.
    No NAT."""
    malformed_on_flows(net, 44600, 6300, 42600, 6301)


@scenario(params={})
def generic_proto(net, cap):
    """Other IP protocols: crafted IP protocol 253 both ways (generic tracker), a GRE (version 0) packet pair,
    IPv6 next header 253. No NAT."""
    gre = b"\x00\x00\x08\x00" + bytes(IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2))
    steps(net,
          IP(src=C1, dst=SRV, proto=253) / Raw(b"experimental protocol 253"),
          IP(src=SRV, dst=C1, proto=253) / Raw(b"answer 253"),
          IP(src=C1, dst=SRV, proto=47) / Raw(gre),
          IP(src=SRV, dst=C1, proto=47) / Raw(gre),
          IPv6(src=C1_6, dst=SRV_6, nh=253) / Raw(b"v6 experimental"))


@scenario(masq=True, nat_text=MASQ_TEXT, params={"ucport": 42840}, prepare=silenced([]))
def ip_options_masq(net, cap):
    """IPv4 options through masquerade: ping -R (record route: the router writes its address into the option
    on the way out), crafted UDP datagrams with NOP/EOL padding options and with a router-alert option, both
    answered; a TCP SYN with options in the IP header answered by the real server (RST: closed port)."""
    ping(net, "lan", "-R -c 2 -i 0.2 -W 1 %s" % SRV)
    uc, us = udp_flow(net, C1, 42840, SRV, 7840, b"plain first", b"plain answer")
    from scapy.layers.inet import IPOption_NOP, IPOption_EOL, IPOption_Router_Alert
    steps(net,
          IP(src=C1, dst=SRV, options=[IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_EOL()])
          / UDP(sport=42840, dport=7840) / Raw(b"with padding options"),
          IP(src=C1, dst=SRV, options=[IPOption_Router_Alert()]) / UDP(sport=42840, dport=7840)
          / Raw(b"with router alert"),
          IP(src=C1, dst=SRV, options=[IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_NOP()])
          / TCP(sport=42841, dport=5999, flags="S", seq=777, options=OPTS))
    udp_ask(uc, us, b"plain again", b"plain answer again", (SRV, 7840))


@scenario(params={"ucport": 42850}, prepare=silenced([42850, 42851], [7850]), **NAT6)
def ipv6_ext_headers_masq(net, cap):
    """IPv6 extension headers through masquerade: crafted UDP with hop-by-hop options (PadN), with
    destination options, with both, and as an atomic fragment (fragment header, offset 0, M=0), answered by
    crafted replies with the same headers; a TCP SYN behind a destination options header and its SYN/ACK."""
    from scapy.layers.inet6 import IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, PadN
    out = [IPv6(src=C1_6, dst=SRV_6) / UDP(sport=42850, dport=7850) / Raw(b"plain"),
           IPv6(src=C1_6, dst=SRV_6) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")])
           / UDP(sport=42850, dport=7850) / Raw(b"hop by hop"),
           IPv6(src=C1_6, dst=SRV_6) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")])
           / UDP(sport=42850, dport=7850) / Raw(b"destination options"),
           IPv6(src=C1_6, dst=SRV_6) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")])
           / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")]) / UDP(sport=42850, dport=7850) / Raw(b"both"),
           IPv6(src=C1_6, dst=SRV_6) / IPv6ExtHdrFragment(offset=0, m=0, id=0x1234)
           / UDP(sport=42850, dport=7850) / Raw(b"atomic fragment")]
    for pkt in out:
        steps(net, pkt)
        # the reply goes to the masqueraded address with the same headers
        ans = pkt.copy()
        ans[IPv6].src, ans[IPv6].dst = SRV_6, RTR_WAN_6
        ans[UDP].sport, ans[UDP].dport = 7850, 42850
        ans[UDP].chksum = None
        ans[IPv6].plen = None
        steps(net, ans)
    syn = IPv6(src=C1_6, dst=SRV_6) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")]) / TCP(
        sport=42851, dport=7850, flags="S", seq=5000, options=OPTS)
    steps(net, syn, IPv6(src=SRV_6, dst=RTR_WAN_6) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")])
          / TCP(sport=7850, dport=42851, flags="SA", seq=9000, ack=5001, options=OPTS))
