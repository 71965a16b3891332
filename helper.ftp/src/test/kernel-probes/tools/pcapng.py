import struct
def _opt(code, val):
    pad = (4 - len(val) % 4) % 4
    return struct.pack('<HH', code, len(val)) + val + b'\0' * pad
def _block(t, body):
    n = 12 + len(body)
    return struct.pack('<II', t, n) + body + struct.pack('<I', n)
def write(path, ifaces, frames):
    """frames: list of (iface_name, ts_us, frame_bytes)"""
    out = _block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1))
    idx = {}
    for i, name in enumerate(ifaces):
        idx[name] = i
        out += _block(1, struct.pack('<HHI', 1, 0, 65535) + _opt(2, name.encode()) + _opt(0, b''))
    for name, ts, f in frames:
        pad = (4 - len(f) % 4) % 4
        out += _block(6, struct.pack('<IIIII', idx[name], ts >> 32, ts & 0xffffffff, len(f), len(f)) + f + b'\0' * pad)
    open(path, 'wb').write(out)
