import lab, json, re, time, sys
out = {}
lan4 = ['198.51.100.%d' % i for i in range(10, 22)]
wan4 = ['203.0.113.10', '203.0.113.11', '203.0.113.77']
lan6 = ['2001:db8:1::%x' % i for i in range(0x10, 0x16)] + ['2001:db8:1::abcd:%x' % i for i in range(1, 4)]
wan6 = ['2001:db8:2::10', '2001:db8:2::99']
ENTRY = re.compile(r'src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+) .*?src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)')


def table():
    rows = []
    for l in lab.conntrack().splitlines():
        m = ENTRY.search(l)
        if m and (' udp ' in l or ' tcp ' in l):
            rows.append(m.groups())
    return rows


import ipaddress
def norm(a):
    return str(ipaddress.ip_address(a))


def fresh():
    lab.setup(lan_extra=lan4[1:], wan_extra=wan4[1:], lan6_extra=lan6[1:], wan6_extra=wan6[1:])
    time.sleep(1.5)


try:
    scen = {
        'snat4': 'table ip t { chain post { type nat hook postrouting priority srcnat; oifname "wan" snat to 203.0.113.50-203.0.113.60\n}\n}',
        'snat4p': 'table ip t { chain post { type nat hook postrouting priority srcnat; oifname "wan" snat to 203.0.113.50-203.0.113.60 persistent\n}\n}',
        'snat4wide': 'table ip t { chain post { type nat hook postrouting priority srcnat; oifname "wan" snat to 203.0.113.100-203.0.114.20\n}\n}',
        'snat6': 'table ip6 t { chain post { type nat hook postrouting priority srcnat; oifname "wan" snat to 2001:db8:2::100-2001:db8:2::1ff\n}\n}',
        'snat6wide': 'table ip6 t { chain post { type nat hook postrouting priority srcnat; oifname "wan" snat to 2001:db8:2::ffff:fff0-2001:db8:2::1:0:20\n}\n}',
    }
    for name, rs in scen.items():
        fresh()
        lab.rules(rs)
        v6 = '6' in name
        srcs = lan6 if v6 else lan4
        dsts = wan6 if v6 else wan4
        port = 41000
        for s in srcs:
            for d in dsts:
                lab.send(lab.LAN, s, port, d, 9000)
        time.sleep(0.3)
        out[name] = [tuple(norm(x) if ('.' in x or ':' in x) else x for x in r) for r in table() if norm(r[1]) in dsts]
    # DNAT with an address range: WAN clients to the router
    fresh()
    lab.rules('table ip t { chain pre { type nat hook prerouting priority dstnat; iifname "wan" udp dport 7000 dnat to 198.51.100.30-198.51.100.40\n}\n}')
    for s in wan4:
        for p in (5000, 5001):
            lab.send(lab.WAN, s, p, '203.0.113.1', 7000)
    time.sleep(0.3)
    out['dnat4'] = [r for r in table() if r[3] == '7000']
finally:
    lab.teardown()
json.dump(out, open('address-ranges.json', 'w'), indent=1)
for k, v in out.items():
    print(k, len(v))
    for r in v[:4]:
        print('  ', r)
