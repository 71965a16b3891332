"""Records what a real conntrackd (conntrack-tools 1.4.7) puts on the wire, as golden vectors.

Two conntrackd run in network namespaces: "rtr", a Linux router with traffic through it, and "peer", its
sync peer on a dedicated link. Traffic of many kinds crosses the router (TCP, UDP, ICMP, SCTP, GRE, IPv4 and
IPv6, SNAT, DNAT, marks, labels, zones, the FTP helper with expectations and sequence adjustment), the
sync link is captured on the peer's side, and at fixed points both daemons' caches are dumped
(conntrackd -i / -e, -s). One scenario per sync mode and transport:

  ftfw     Mode FTFW,    UDP unicast over IPv4
  notrack  Mode NOTRACK, Multicast over IPv4
  alarm    Mode ALARM,   UDP unicast over IPv6

Output, per scenario, under OUT/SCENARIO/ (default OUT: sync.bundle/src/test/resources/vectors):
  wire.txt              every sync datagram: "<epoch.micros> <src> <dst> <hex>"
  rtr.conf, peer.conf   the two configurations
  dumps/<step>-<who>-<what>.txt   conntrackd -i / -e / -i expect / -e expect / -s output, and
                        "# at <epoch.micros>" on its first line (when it was taken)
  conntrack-L.txt       the router's table (conntrack -L -o extended) before the flush
  events.txt            conntrack -E -o timestamp,extended of the router, the whole run
  timeline.txt          when each daemon was started and each conntrackd command ran (they wake it up)

Needs root and Debian's conntrackd conntrack nftables iproute2 iputils-ping tcpdump vsftpd lftp curl
python3-scapy.
Namespaces are named kl<pid>sv-*, deleted on exit (also on error, SIGTERM, SIGHUP; `python3 -m tools.kernellab
clean` deletes those of a killed run). Addresses are documentation ranges.

    sudo /usr/bin/python3 -m tools.kernellab sync-vectors [--out DIR] [ftfw|notrack|alarm ...]
"""
import argparse
import atexit
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(REPO, "sync.bundle", "src", "test", "resources", "vectors")

from . import lab

# the lab's naming, so that its `clean` finds the namespaces of a run that was killed
P = "kl%dsv" % os.getpid()
NS = {k: "%s-%s" % (P, k) for k in ("cli", "rtr", "srv", "peer")}


def sh(cmd, check=True, ns=None, capture=False, timeout=60):
    if ns:
        cmd = ["ip", "netns", "exec", NS[ns]] + cmd
    r = subprocess.run(cmd, check=False, timeout=timeout,
                       stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r.stdout if capture else r.returncode


def bg(cmd, ns, **kw):
    return subprocess.Popen(["ip", "netns", "exec", NS[ns]] + cmd, stdin=subprocess.DEVNULL, **kw)


SCENARIOS = {
    # mode, transport block for rtr, transport block for peer
    "ftfw": ("FTFW", "UDP", 4),
    "notrack": ("NOTRACK", "Multicast", 4),
    "alarm": ("ALARM", "UDP", 6),
}


def transport(kind, family, me, other):
    if kind == "Multicast":
        return ("\tMulticast {\n\t\tIPv4_address 225.0.0.50\n\t\tGroup 3780\n"
                "\t\tIPv4_interface %s\n\t\tInterface sync0\n\t\tSndSocketBuffer 1249280\n"
                "\t\tRcvSocketBuffer 1249280\n\t\tChecksum on\n\t}\n" % me)
    key = "IPv4" if family == 4 else "IPv6"
    return ("\tUDP {\n\t\t%s_address %s\n\t\t%s_Destination_Address %s\n\t\tPort 3780\n"
            "\t\tInterface sync0\n\t\tSndSocketBuffer 1249280\n\t\tRcvSocketBuffer 1249280\n"
            "\t\tChecksum on\n\t}\n" % (key, me, key, other))


def config(run, who, mode, kind, family):
    me, other = (("192.0.2.1", "192.0.2.2") if family == 4 else ("2001:db8:5::1", "2001:db8:5::2"))
    if who == "peer":
        me, other = other, me
    mode_opts = {"FTFW": "\t\tResendQueueSize 131072\n\t\tACKWindowSize 300\n\t\tStartupResync on\n",
                 "NOTRACK": "\t\tStartupResync on\n",
                 "ALARM": "\t\tRefreshTime 15\n\t\tCacheTimeout 180\n"}[mode]
    return ("# conntrackd.conf of the %s, written by python3 -m tools.kernellab sync-vectors\n"
            "Sync {\n\tMode %s {\n%s\t}\n%s"
            "\tOptions {\n\t\tTCPWindowTracking on\n\t\tExpectationSync on\n\t}\n}\n"
            "General {\n\tSystemd off\n\tHashSize 8192\n\tHashLimit 65535\n"
            "\tLogFile %s/%s.log\n\tSyslog off\n\tLockFile %s/%s.lock\n"
            "\tUNIX {\n\t\tPath %s/%s.sock\n\t}\n"
            "\tNetlinkBufferSize 2097152\n\tNetlinkBufferSizeMaxGrowth 8388608\n"
            "\tFilter From Userspace {\n"
            "\t\tProtocol Accept {\n\t\t\tTCP\n\t\t\tUDP\n\t\t\tICMP\n\t\t\tIPv6-ICMP\n\t\t\tSCTP\n\t\t\tGRE\n\t\t}\n"
            "\t\tAddress Ignore {\n\t\t\tIPv4_address 127.0.0.1\n\t\t\tIPv6_address ::1\n"
            "\t\t\tIPv4_address 192.0.2.0/24\n\t\t\tIPv6_address 2001:db8:5::/64\n\t\t}\n\t}\n}\n"
            % (who, mode, mode_opts, transport(kind, family, me, other), run, who, run, who, run, who))


RULESET = """
table inet sv {
    ct helper ftp-std { type "ftp" protocol tcp; l3proto inet; }
    chain zones {
        type filter hook prerouting priority raw; policy accept;
        udp dport 7000 ct zone set 7
        udp sport 7000 ct zone set 7
    }
    chain nat_pre {
        type nat hook prerouting priority dstnat; policy accept;
        iifname "lan" ip daddr 198.51.100.1 tcp dport 8080 dnat ip to 203.0.113.2:80
    }
    chain filter_fwd {
        type filter hook forward priority filter; policy accept;
        tcp dport 21 ct helper set "ftp-std"
        udp dport 5000 ct mark set 0x2a
        udp dport 5001 ct label set 3
        udp dport 5001 ct label set 40
    }
    chain nat_post {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "wan" ip saddr 198.51.100.0/24 masquerade
        oifname "wan" ip6 saddr 2001:db8:1::/64 masquerade
    }
}
"""


def topology():
    for n in NS.values():
        sh(["ip", "netns", "add", n])
    links = [("cli", "eth0", "rtr", "lan"), ("rtr", "wan", "srv", "eth0"), ("rtr", "sync0", "peer", "sync0")]
    for a, ia, b, ib in links:
        sh(["ip", "link", "add", "tmp-a", "type", "veth", "peer", "name", "tmp-b"])
        sh(["ip", "link", "set", "tmp-a", "netns", NS[a]])
        sh(["ip", "link", "set", "tmp-b", "netns", NS[b]])
        sh(["ip", "link", "set", "tmp-a", "name", ia], ns=a)
        sh(["ip", "link", "set", "tmp-b", "name", ib], ns=b)
    addrs = {"cli": [("eth0", "198.51.100.2/24"), ("eth0", "2001:db8:1::2/64")],
             "rtr": [("lan", "198.51.100.1/24"), ("lan", "2001:db8:1::1/64"),
                     ("wan", "203.0.113.1/24"), ("wan", "2001:db8:2::1/64"),
                     ("sync0", "192.0.2.1/24"), ("sync0", "2001:db8:5::1/64")],
             "srv": [("eth0", "203.0.113.2/24"), ("eth0", "2001:db8:2::2/64")],
             "peer": [("sync0", "192.0.2.2/24"), ("sync0", "2001:db8:5::2/64")]}
    for ns, lst in addrs.items():
        sh(["ip", "link", "set", "lo", "up"], ns=ns)
        for dev, a in lst:
            sh(["ip", "addr", "add", a, "dev", dev, "nodad"], ns=ns)
        for dev in sorted({d for d, _ in lst}):
            sh(["ip", "link", "set", dev, "up"], ns=ns)
    sh(["ip", "route", "add", "default", "via", "198.51.100.1"], ns="cli")
    sh(["ip", "-6", "route", "add", "default", "via", "2001:db8:1::1"], ns="cli")
    sh(["ip", "route", "add", "default", "via", "203.0.113.1"], ns="srv")
    sh(["ip", "-6", "route", "add", "default", "via", "2001:db8:2::1"], ns="srv")
    sh(["sysctl", "-qw", "net.ipv4.ip_forward=1"], ns="rtr")
    sh(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"], ns="rtr")
    sh(["sysctl", "-qw", "net.netfilter.nf_conntrack_timestamp=0"], ns="rtr", check=False)
    with tempfile.NamedTemporaryFile("w", suffix=".nft", delete=False) as f:
        f.write(RULESET)
    sh(["nft", "-f", f.name], ns="rtr")
    os.unlink(f.name)


def cleanup():
    for n in NS.values():
        subprocess.run(["ip", "netns", "pids", n], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        r = subprocess.run(["ip", "netns", "pids", n], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for pid in r.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        subprocess.run(["ip", "netns", "del", n], stderr=subprocess.DEVNULL)


SERVER = r"""
import socket, sys, threading, http.server, socketserver
def udp(port, fam):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", port))
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(b"re:" + d, a)
for p in (5000, 5001, 5002, 7000):
    threading.Thread(target=udp, args=(p, socket.AF_INET), daemon=True).start()
threading.Thread(target=udp, args=(5002, socket.AF_INET6), daemon=True).start()
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
class S6(socketserver.ThreadingMixIn, http.server.HTTPServer):
    address_family = socket.AF_INET6
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()
S6(("::", 80), H).serve_forever()
"""

CLIENT_UDP = r"""
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if len(sys.argv) > 3: s.bind(("", int(sys.argv[3])))
s.settimeout(2)
s.sendto(b"hello", (sys.argv[1], int(sys.argv[2])))
print(s.recvfrom(100)[0])
s.sendto(b"again", (sys.argv[1], int(sys.argv[2])))
print(s.recvfrom(100)[0])
"""

# An FTP session that stays open: PORT with an address NAT rewrites to a shorter one (sequence
# adjustment, an expectation with NAT), then PASV (an expectation nobody uses), held while the caches
# are dumped.
FTP_HOLD = r"""
import socket, sys, time
s = socket.create_connection(("203.0.113.2", 21), timeout=5)
f = s.makefile("rb")
def cmd(line):
    if line:
        s.sendall(line.encode() + b"\r\n")
    while True:
        r = f.readline()
        if len(r) < 4 or r[3:4] != b"-":
            return r
cmd(None); cmd("USER anonymous"); cmd("PASS x")
cmd("PORT 198,51,100,2,200,10")
cmd("PASV")
time.sleep(float(sys.argv[1]))
cmd("QUIT")
"""

SCAPY = r"""
import sys
from scapy.all import IP, SCTP, SCTPChunkInit, GRE, send, conf
conf.verb = 0
send(IP(src="198.51.100.2", dst="203.0.113.2")/SCTP(sport=4000, dport=5000, tag=0)/
     SCTPChunkInit(init_tag=0x11223344, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=1))
send(IP(src="198.51.100.2", dst="203.0.113.2")/GRE(proto=0x0800)/IP(src="10.9.9.9", dst="10.8.8.8"))
"""


TIMELINE = []


def mark(who, what):
    """Notes when a daemon was started or asked something: it woke up then (its cached clock moved)."""
    TIMELINE.append("%.6f %s %s\n" % (time.time(), who, what))


def ctd(cmd, who, run):
    mark(who, "conntrackd " + " ".join(cmd))
    return sh(["conntrackd", "-C", "%s/%s.conf" % (run, who)] + cmd, ns=who if who == "peer" else "rtr",
              capture=True, check=False, timeout=20)


def dump(run, outdir, step, who, what, args):
    t = time.time()
    text = ctd(args, who, run)
    with open(os.path.join(outdir, "dumps", "%s-%s-%s.txt" % (step, who, what)), "w") as f:
        f.write("# at %.6f\n" % t)
        f.write(text)


def traffic(run):
    py = "/usr/bin/python3"
    sh([py, "-c", CLIENT_UDP, "203.0.113.2", "5000"], ns="cli", capture=True)          # mark
    sh([py, "-c", CLIENT_UDP, "203.0.113.2", "5001"], ns="cli", capture=True)          # labels
    sh([py, "-c", CLIENT_UDP, "203.0.113.2", "7000", "7000"], ns="cli", capture=True)  # zone
    sh([py, "-c", CLIENT_UDP, "2001:db8:2::2", "5002"], ns="cli", capture=True)        # IPv6, SNAT
    sh(["ping", "-c", "2", "-i", "0.2", "203.0.113.2"], ns="cli")
    sh(["ping", "-6", "-c", "2", "-i", "0.2", "2001:db8:2::2"], ns="cli")
    sh(["curl", "-s", "-o", "/dev/null", "http://203.0.113.2/"], ns="cli")                  # SNAT
    sh(["curl", "-s", "-o", "/dev/null", "http://198.51.100.1:8080/"], ns="cli")            # DNAT (+SNAT)
    sh(["curl", "-s", "-o", "/dev/null", "-g", "http://[2001:db8:2::2]/"], ns="cli")        # IPv6 SNAT
    # FTP through SNAT with the helper: active mode rewrites PORT (sequence adjustment), passive too
    sh(["lftp", "-u", "anonymous,x", "-e", "set ftp:passive-mode off; ls; bye", "203.0.113.2"], ns="cli",
       check=False, timeout=30)
    sh(["lftp", "-u", "anonymous,x", "-e", "set ftp:passive-mode on; ls; bye", "203.0.113.2"], ns="cli",
       check=False, timeout=30)
    sh(["/usr/bin/python3", "-c", SCAPY], ns="cli")
    return bg(["/usr/bin/python3", "-c", FTP_HOLD, "6"], "cli", stdout=subprocess.DEVNULL,
              stderr=subprocess.DEVNULL)


def scenario(name, out):
    mode, kind, family = SCENARIOS[name]
    outdir = os.path.join(out, name)
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(os.path.join(outdir, "dumps"))
    run = tempfile.mkdtemp(prefix="sv-run-")
    procs = []
    del TIMELINE[:]
    try:
        topology()
        # an FTP server in srv (vsftpd, anonymous, both modes)
        with open(os.path.join(run, "vsftpd.conf"), "w") as f:
            f.write("listen=YES\nlisten_ipv6=NO\nanonymous_enable=YES\nlocal_enable=NO\n"
                    "secure_chroot_dir=%s\nanon_root=%s\npasv_enable=YES\nport_enable=YES\n"
                    "connect_from_port_20=NO\nseccomp_sandbox=NO\nbackground=NO\n" % (run, run))
        procs.append(bg(["vsftpd", os.path.join(run, "vsftpd.conf")], "srv",
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        procs.append(bg(["/usr/bin/python3", "-c", SERVER], "srv", stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL))
        for who in ("rtr", "peer"):
            text = config(run, who, mode, kind, family)
            with open(os.path.join(run, who + ".conf"), "w") as f:
                f.write(text)
            with open(os.path.join(outdir, who + ".conf"), "w") as f:
                f.write(text.replace(run, "/run/conntrackd"))
        pcap = os.path.join(run, "sync.pcap")
        procs.append(bg(["tcpdump", "-i", "sync0", "-U", "-n", "-s", "0", "--time-stamp-precision=micro",
                         "-w", pcap, "udp port 3780"], "peer", stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL))
        events = open(os.path.join(outdir, "events.txt"), "w")
        procs.append(bg(["conntrack", "-E", "-o", "timestamp,extended"], "rtr", stdout=events,
                        stderr=subprocess.DEVNULL))
        time.sleep(1.5)
        # the peer first, so that the router's first messages find it listening
        mark("peer", "start")
        bg(["conntrackd", "-C", os.path.join(run, "peer.conf"), "-d"], "peer").wait()
        mark("peer", "started")
        time.sleep(1)
        mark("rtr", "start")
        bg(["conntrackd", "-C", os.path.join(run, "rtr.conf"), "-d"], "rtr").wait()
        mark("rtr", "started")
        time.sleep(2)
        procs.append(traffic(run))
        time.sleep(3)
        for who, w in (("rtr", "-i"), ("peer", "-e")):
            dump(run, outdir, "1-traffic", who, w[1:] + "-ct", [w])
            dump(run, outdir, "1-traffic", who, w[1:] + "-expect", [w, "expect"])
        dump(run, outdir, "1-traffic", "rtr", "s", ["-s"])
        dump(run, outdir, "1-traffic", "peer", "s", ["-s"])
        with open(os.path.join(outdir, "conntrack-L.txt"), "w") as f:
            f.write(sh(["conntrack", "-L", "-o", "extended"], ns="rtr", capture=True))
            f.write(sh(["conntrack", "-L", "expect"], ns="rtr", capture=True, check=False))
        if mode != "ALARM":
            # the peer asks for a full resync: the router answers with its whole internal cache
            ctd(["-n"], "peer", run)
            time.sleep(2)
            dump(run, outdir, "2-resync", "peer", "e-ct", ["-e"])
        # flushing the router's table destroys every connection: DEL messages
        sh(["conntrack", "-F"], ns="rtr", check=False)
        sh(["conntrack", "-F", "expect"], ns="rtr", check=False)
        time.sleep(3)
        dump(run, outdir, "3-flush", "peer", "e-ct", ["-e"])
        dump(run, outdir, "3-flush", "rtr", "s", ["-s"])
        dump(run, outdir, "3-flush", "peer", "s", ["-s"])
        time.sleep(1)
    finally:
        for p in reversed(procs):
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=5)
            except Exception:
                p.kill()
        for who in ("rtr", "peer"):
            subprocess.run(["ip", "netns", "exec", NS[who], "conntrackd", "-C",
                            os.path.join(run, who + ".conf"), "-k"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=20)
        time.sleep(0.5)
        cleanup()
    write_wire(os.path.join(run, "sync.pcap"), os.path.join(outdir, "wire.txt"))
    with open(os.path.join(outdir, "timeline.txt"), "w") as f:
        f.write("# when each conntrackd was started or asked something: time who what\n")
        f.writelines(TIMELINE)
    shutil.rmtree(run, ignore_errors=True)


def write_wire(pcap, out):
    """The UDP payloads of a classic pcap (Ethernet), one line each."""
    import ipaddress
    with open(pcap, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    if magic != 0xa1b2c3d4:
        raise RuntimeError("unexpected pcap magic %x" % magic)
    off, lines = 24, []
    while off + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        etype, = struct.unpack("!H", frame[12:14])
        if etype == 0x0800:
            ihl = (frame[14] & 15) * 4
            src = ipaddress.ip_address(frame[26:30])
            dst = ipaddress.ip_address(frame[30:34])
            udp = frame[14 + ihl:]
        elif etype == 0x86dd:
            src = ipaddress.ip_address(frame[22:38])
            dst = ipaddress.ip_address(frame[38:54])
            udp = frame[54:]
        else:
            continue
        sport, dport, ulen = struct.unpack("!HHH", udp[:6])
        lines.append("%d.%06d %s.%d %s.%d %s\n" % (sec, usec, src, sport, dst, dport, udp[8:ulen].hex()))
    with open(out, "w") as f:
        f.write("# sync datagrams captured on the peer's link: time src.port dst.port payload\n")
        f.writelines(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m tools.kernellab sync-vectors", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    a = ap.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("sync-vectors needs root (network namespaces, conntrackd, captures)")
    for s in a.scenarios:
        if s not in SCENARIOS:
            sys.exit("unknown scenario %s (have: %s)" % (s, ", ".join(SCENARIOS)))
    lab.guard_signals()
    atexit.register(cleanup)
    try:
        for s in a.scenarios:
            print("recording", s, flush=True)
            scenario(s, a.out)
    finally:
        cleanup()
