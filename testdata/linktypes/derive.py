#!/usr/bin/env python3
"""Rewrites the IP packets of an Ethernet classic pcap under other link types: NULL (host order, little-endian,
Darwin's AF_INET6 30), NULL big-endian (FreeBSD's 28), LOOP (network order, NetBSD/OpenBSD's 24), raw IP as 12 and
14, PPP (9, protocol field, the IPv6 ones with address/control kept), PPP in HDLC framing (50), and one link type
not read (105, IEEE 802.11) to test its warning."""
import struct, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
assert data[:4] == b'\xd4\xc3\xb2\xa1', 'little-endian microsecond pcap expected'
recs = []
pos = 24
while pos < len(data):
    sec, usec, incl, orig = struct.unpack('<IIII', data[pos:pos+16])
    frame = data[pos+16:pos+16+incl]
    pos += 16 + incl
    et = struct.unpack('>H', frame[12:14])[0]
    recs.append((sec, usec, 4 if et == 0x0800 else 6, frame[14:]))

def write(name, linktype, head):
    with open(f'{out}/{name}', 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, linktype))
        for sec, usec, v, ip in recs:
            b = head(v) + ip
            f.write(struct.pack('<IIII', sec, usec, len(b), len(b)) + b)

write('null-le.pcap', 0, lambda v: struct.pack('<I', 2 if v == 4 else 30))
write('null-be.pcap', 0, lambda v: struct.pack('>I', 2 if v == 4 else 28))
write('loop.pcap', 108, lambda v: struct.pack('>I', 2 if v == 4 else 24))
write('raw12.pcap', 12, lambda v: b'')
write('raw14.pcap', 14, lambda v: b'')
write('ppp.pcap', 9, lambda v: b'\x00\x21' if v == 4 else b'\xff\x03\x00\x57')
write('ppp-hdlc.pcap', 50, lambda v: b'\xff\x03\x00\x21' if v == 4 else b'\xff\x03\x00\x57')
write('ieee802-11.pcap', 105, lambda v: b'\x08\x00' + bytes(22))
