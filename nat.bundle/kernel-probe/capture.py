"""Runs inside the router namespace: records every IPv4/IPv6 frame on lan and wan with its direction until
SIGTERM/timeout, then writes them as JSON [{iface, out, hex}] in capture order."""
import socket, select, json, sys, time, signal
ETH_P_ALL = 3
PACKET_OUTGOING = 4
socks = {}
for ifc in ('lan', 'wan'):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifc, 0))
    socks[s.fileno()] = (ifc, s)
frames = []
stop = [False]
signal.signal(signal.SIGTERM, lambda *a: stop.__setitem__(0, True))
end = time.time() + float(sys.argv[2])
open(sys.argv[1] + '.ready', 'w').close()
while not stop[0] and time.time() < end:
    r, _, _ = select.select(list(socks), [], [], 0.1)
    for fd in r:
        ifc, s = socks[fd]
        data, addr = s.recvfrom(65535)
        et = int.from_bytes(data[12:14], 'big')
        if et not in (0x0800, 0x86dd):
            continue
        ip = data[14:]
        if et == 0x86dd and len(ip) > 40 and ip[6] == 58 and ip[40] in (133, 134, 135, 136, 143):
            continue  # neighbour discovery, MLD
        frames.append({'iface': ifc, 'out': addr[2] == PACKET_OUTGOING, 'hex': ip.hex()})
json.dump(frames, open(sys.argv[1], 'w'), indent=0)
