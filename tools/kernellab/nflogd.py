#!/usr/bin/python3
"""NFLOG listener (groups given on the command line) writing a LINKTYPE_NFLOG pcap, one record per packet.

Unlike libpcap's nflog reader it configures each group with a queue threshold of 1 and no flush delay, so
no record sits in the kernel when the capture stops. usage: nflogd.py OUT.pcap GROUP... (run in the netns)
"""
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
MSG_CONFIG = (4 << 8) | 1
MSG_PACKET = (4 << 8) | 0
stop = False


def nla(t, v):
    ln = 4 + len(v)
    return struct.pack("=HH", ln, t) + v + b"\0" * ((4 - ln % 4) % 4)


def request(s, seq, family, group, attrs):
    body = struct.pack("!BBH", family, 0, group) + attrs
    s.send(struct.pack("=IHHII", 16 + len(body), MSG_CONFIG, 1 | 4, seq, 0) + body)
    # read the ACK (errors for PF_UNBIND/PF_BIND on new kernels are harmless)
    s.settimeout(1)
    try:
        s.recv(65536)
    except socket.timeout:
        pass


def main():
    out_path = sys.argv[1]
    groups = [int(g) for g in sys.argv[2:]]
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 23)
    s.bind((0, 0))
    seq = 1
    for fam in (socket.AF_INET, socket.AF_INET6):
        request(s, seq, fam, 0, nla(1, struct.pack("B", 4)))   # PF_UNBIND
        seq += 1
        request(s, seq, fam, 0, nla(1, struct.pack("B", 3)))   # PF_BIND
        seq += 1
    for g in groups:
        request(s, seq, 0, g, nla(1, struct.pack("B", 1)))                  # BIND
        request(s, seq + 1, 0, g, nla(2, struct.pack("!IBx", 0xFFFF, 2)))   # COPY_PACKET, 64 KB
        request(s, seq + 2, 0, g, nla(5, struct.pack("!I", 1)))             # QTHRESH 1
        request(s, seq + 3, 0, g, nla(4, struct.pack("!I", 0)))             # no flush delay
        seq += 4
    out = open(out_path, "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 239))
    out.flush()

    def on_sig(*_):
        global stop
        stop = True
    signal.signal(signal.SIGINT, on_sig)
    signal.signal(signal.SIGTERM, on_sig)
    sys.stderr.write("listening on nflog %s\n" % ",".join(map(str, groups)))
    sys.stderr.flush()
    s.settimeout(0.1)
    n = 0
    quiet_after_stop = 0
    while True:
        try:
            data = s.recv(1 << 20)
        except socket.timeout:
            if stop:
                quiet_after_stop += 1
                if quiet_after_stop >= 3:
                    break
            continue
        except InterruptedError:
            continue
        ts = time.time_ns()
        off = 0
        while off + 16 <= len(data):
            ln, mtype, flags, mseq, pid = struct.unpack_from("=IHHII", data, off)
            if ln < 16:
                break
            if mtype == MSG_PACKET:
                rec = data[off + 16:off + ln]
                out.write(struct.pack("<IIII", ts // 1_000_000_000, ts % 1_000_000_000, len(rec), len(rec)) + rec)
                n += 1
            off += (ln + 3) & ~3
        out.flush()
    out.close()
    sys.stderr.write("%d packets captured\n" % n)


if __name__ == "__main__":
    main()
