"""Are two recordings of one scenario equivalent? testdata/oracle/compare.py's scoring (the first recording
as the case, the second as the output), after masking in both the values a real stack or the kernel draws at
random each run: IPv4 identification, IPv6 flow label, TCP initial sequence numbers (sequence and
acknowledgement numbers are taken relative to the first ones seen in each direction), TCP timestamp values and
SACK blocks, ping's echo identifier and the time of day at the start of its data, the same in packets an ICMP
error quotes, and the checksums covering them. Crafted packets carry fixed values, so for them the masking
changes nothing. Not masked, so not expected to be equivalent: ephemeral ports and what programs choose at
random (lftp's data ports, ping identifiers that decide a NAT clash), ports the kernel's NAT picks at random,
and values that depend on where a 4 ms tick falls."""
import importlib.util
import os
import shutil
import struct
import tempfile
from pathlib import Path

from .assemble import write_pcapng

_ORACLE = Path(__file__).resolve().parents[2] / "testdata" / "oracle" / "compare.py"


def _compare_module():
    spec = importlib.util.spec_from_file_location("oracle_compare", _ORACLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _tcp_masked(l4, isn):
    """A TCP header and payload with relative sequence numbers, no timestamp values, no checksum."""
    b = bytearray(l4)
    sport, dport, seq = struct.unpack(">HHI", b[:8])
    mine = (sport, dport)
    base = isn.setdefault(mine, seq)
    struct.pack_into(">I", b, 4, (seq - base) & 0xFFFFFFFF)
    if len(b) < 14:
        return bytes(b[:8]) + b"\0" * (len(b) - 8)
    ack, flags = struct.unpack(">I", b[8:12])[0], b[13]
    if flags & 0x10 or ack:
        # the peer's numbers as this direction acknowledges them (behind NAT the peer's ports differ); crafted
        # segments without the ACK flag may carry one too
        acked = isn.setdefault(("ack",) + mine, ack)
        struct.pack_into(">I", b, 8, (ack - acked) & 0xFFFFFFFF)
    b[16:18] = b"\0" * len(b[16:18])
    end = min(len(b), (b[12] >> 4) * 4)
    i = 20
    while i < end:
        kind = b[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        ln = b[i + 1] if i + 1 < end else 0
        if ln < 2:
            break
        if kind in (5, 8):
            # SACK blocks carry absolute sequence numbers, timestamps a random offset
            b[i + 2:i + ln] = b"\0" * len(b[i + 2:i + ln])
        i += ln
    return bytes(b)


def masked(ip, isn):
    if not ip:
        return ip
    b = bytearray(ip)
    if b[0] >> 4 == 4:
        ihl = (b[0] & 15) * 4
        b[4:6] = b"\0\0"
        b[10:12] = b"\0\0"
        proto, l4 = b[9], ihl
        first = struct.unpack(">H", b[6:8])[0] & 0x1FFF == 0
    else:
        b[1] &= 0xF0
        b[2:4] = b"\0\0"
        proto, l4, first = b[6], 40, True
    if first and proto == 6 and len(b) >= l4 + 8:
        b[l4:] = _tcp_masked(b[l4:], isn)
    elif first and proto == 17 and len(b) >= l4 + 8:
        b[l4 + 6:l4 + 8] = b"\0\0"
    elif first and proto in (1, 58) and len(b) >= l4 + 8:
        b[l4 + 2:l4 + 4] = b"\0\0"
        if b[l4] in ((3, 4, 5, 11, 12) if proto == 1 else (1, 2, 3, 4)):
            b[l4 + 8:] = _quote_masked(b[l4 + 8:])
        elif b[l4] in ((0, 8) if proto == 1 else (128, 129)):
            # ping's identifier is its socket's random port, and its data starts with the time of day
            b[l4 + 4:l4 + 6] = b"\0\0"
            b[l4 + 8:l4 + 24] = b"\0" * len(b[l4 + 8:l4 + 24])
    return bytes(b)


def _quote_masked(q):
    """The packet an ICMP error quotes, with its random values (IP id, TCP numbers) and checksums zeroed."""
    b = bytearray(q)
    if len(b) >= 20 and b[0] >> 4 == 4:
        b[4:6] = b"\0\0"
        b[10:12] = b"\0\0"
        proto, l4 = b[9], (b[0] & 15) * 4
    elif len(b) >= 40 and b[0] >> 4 == 6:
        b[1] &= 0xF0
        b[2:4] = b"\0\0"
        proto, l4 = b[6], 40
    else:
        return bytes(b)
    if proto == 6:
        b[l4 + 4:l4 + 12] = b"\0" * len(b[l4 + 4:l4 + 12])
        b[l4 + 16:l4 + 18] = b"\0" * len(b[l4 + 16:l4 + 18])
    elif proto in (17, 1, 58):
        at = l4 + (6 if proto == 17 else 2)
        b[at:at + 2] = b"\0" * len(b[at:at + 2])
    return bytes(b)


def _normalised(case, into, cmp):
    shutil.copytree(case, into)
    eg = into / "egress.pcapng"
    if eg.exists():
        isn = {}
        frames = []
        for lt, frame in cmp.read_packets(eg):
            ip = cmp.ip_part(lt, frame)
            frames.append((0, "lan", frame[:14] + masked(ip, isn), None))
        os.remove(eg)
        write_pcapng(str(eg), frames, False)
    return into


def equivalent(a, b):
    """(ok, parts) as compare.py scores them, random values masked."""
    cmp = _compare_module()
    with tempfile.TemporaryDirectory(prefix="kernellab-equiv-") as tmp:
        na = _normalised(Path(a), Path(tmp) / "a", cmp)
        nb = _normalised(Path(b), Path(tmp) / "b", cmp)
        return cmp.compare(na, nb)
