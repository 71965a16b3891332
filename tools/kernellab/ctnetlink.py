"""Changes to a live conntrack entry through ctnetlink, as conntrack -U sends them, for what conntrack-tools cannot
ask: taking a connection's helper away (CTA_HELP with an empty name, ctnetlink_change_helper: its expectations are
removed and the helper detached, as when a helper module is unloaded; the router's helpers are built in here, so
this is how a scenario unloads one from a connection)."""
import socket
import struct

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_NEW = 0
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NLA_F_NESTED = 0x8000
CTA_TUPLE_ORIG, CTA_HELP = 1, 5
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST = 1, 2
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_HELP_NAME = 1


def _attr(atype, payload, nested=False):
    head = struct.pack("=HH", 4 + len(payload), atype | (NLA_F_NESTED if nested else 0))
    return head + payload + b"\0" * (-len(payload) % 4)


def _tuple(src, dst, proto, sport, dport):
    ip = _attr(CTA_IP_V4_SRC, socket.inet_aton(src)) + _attr(CTA_IP_V4_DST, socket.inet_aton(dst))
    l4 = (_attr(CTA_PROTO_NUM, struct.pack("B", proto)) + _attr(CTA_PROTO_SRC_PORT, struct.pack(">H", sport))
          + _attr(CTA_PROTO_DST_PORT, struct.pack(">H", dport)))
    return _attr(CTA_TUPLE_ORIG, _attr(CTA_TUPLE_IP, ip, True) + _attr(CTA_TUPLE_PROTO, l4, True), True)


def remove_helper(lab, src, dst, proto, sport, dport, seq=1):
    """Takes the helper away from the IPv4 connection with this original tuple in the router namespace; raises
    OSError with ctnetlink's error (ENOENT: no such connection, EBUSY: it has a master)."""
    body = struct.pack("=BBH", socket.AF_INET, 0, 0) + _tuple(src, dst, proto, sport, dport) \
        + _attr(CTA_HELP, _attr(CTA_HELP_NAME, b"\0"), True)
    msg = struct.pack("=IHHII", 16 + len(body), NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW,
                      NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body
    s = lab.socket("rtr", socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    try:
        s.bind((0, 0))
        s.settimeout(2)
        s.send(msg)
        reply = s.recv(65536)
    finally:
        s.close()
    _, mtype, _, _, _ = struct.unpack("=IHHII", reply[:16])
    if mtype == NLMSG_ERROR:
        err = struct.unpack("=i", reply[16:20])[0]
        if err:
            raise OSError(-err, "ctnetlink: helper removal refused")
