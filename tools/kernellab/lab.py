"""Three network namespaces (LAN host, router, WAN host) wired like testdata/oracle/README.md.

    with Lab() as lab:            # creates kl<pid>-lan, -rtr, -wan; deletes them on exit, also on error
        lab.sh('rtr', 'nft list ruleset')
        with lab.inns('lan'):     # this thread enters the LAN namespace (for socket creation only)
            s = socket.socket()

Everything runs in the root namespace except what is explicitly started with `ip netns exec`. Names carry the
process id, so two labs (two engineers, or a lab and a test) never meet; `leftovers()` finds namespaces of
labs whose process is gone (killed with SIGKILL, the one exit no handler sees) and `clean` deletes them.
"""
import atexit
import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import time

PREFIX = os.environ.get("KERNELLAB_PREFIX", "kl%d" % os.getpid())
# lab namespaces (kl<pid>[x<n>]-lan|rtr|wan) and sync-vector runs' (kl<pid>sv-cli|rtr|srv|peer)
_OWN = re.compile(r"^kl(\d+)(?:x\d+|sv)?-(lan|rtr|wan|cli|srv|peer)$")
_open_labs = []
_serial = [0]

ROUTER = {
    "lan": {"mac": "02:00:00:00:01:01", "ipv4": "198.51.100.1/24", "ipv6": "2001:db8:1::1/64",
            "peer_mac": "02:00:00:00:01:02"},
    "wan": {"mac": "02:00:00:00:02:01", "ipv4": "203.0.113.1/24", "ipv6": "2001:db8:2::1/64",
            "peer_mac": "02:00:00:00:02:02"},
}
HOSTS = {
    "lan": {"v4": ["198.51.100.10", "198.51.100.11", "198.51.100.20"], "v6": ["2001:db8:1::10", "2001:db8:1::20"]},
    "wan": {"v4": ["203.0.113.10", "203.0.113.30"], "v6": ["2001:db8:2::10"]},
}

# Conntrack/logging settings of the oracle's router (the rest stay at the namespace's defaults).
ROUTER_SYSCTLS = {
    "net.ipv4.ip_forward": "1",
    "net.ipv6.conf.all.forwarding": "1",
    "net.netfilter.nf_conntrack_log_invalid": "255",
    "net.netfilter.nf_log.2": "nfnetlink_log",
    "net.netfilter.nf_log.10": "nfnetlink_log",
    "net.netfilter.nf_conntrack_checksum": "1",
}

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def sh(cmd, check=True, capture=False, timeout=60):
    r = subprocess.run(cmd, shell=isinstance(cmd, str), check=False, timeout=timeout,
                       stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s" % (r.returncode, cmd, r.stderr))
    return r.stdout if capture else r.returncode


class Lab:
    def __init__(self, mtu=None, prefix=None):
        """mtu: {"lan": 600} sets that link's MTU on both ends; {"rtr:wan": 1280} or {"wan:eth0": 1280} one end."""
        if prefix is None:
            _serial[0] += 1
            prefix = PREFIX if _serial[0] == 1 else "%sx%d" % (PREFIX, _serial[0])
        self.prefix = prefix
        self.mtu = {}
        for k, v in (mtu or {}).items():
            if ":" in k:
                self.mtu[k] = v
            else:
                self.mtu["%s:eth0" % k] = v
                self.mtu["rtr:%s" % k] = v
        self.names = {k: "%s-%s" % (prefix, k) for k in ("lan", "rtr", "wan")}
        self.procs = []
        self.v6 = {}
        self.tmpdirs = []

    # -- names and commands ------------------------------------------------------------------------
    def ns(self, side):
        return self.names[side]

    def cmd(self, side, args):
        """argv that runs args (list or string) inside the namespace."""
        if isinstance(args, str):
            return ["ip", "netns", "exec", self.ns(side), "sh", "-c", args]
        return ["ip", "netns", "exec", self.ns(side)] + list(args)

    def sh(self, side, args, check=True, capture=False, timeout=60, input=None):
        r = subprocess.run(self.cmd(side, args), check=False, timeout=timeout, input=input,
                           stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        if check and r.returncode != 0:
            raise RuntimeError("[%s] failed (%d): %s\n%s" % (side, r.returncode, args, r.stderr))
        return r.stdout if capture else r.returncode

    def popen(self, side, args, **kw):
        p = subprocess.Popen(self.cmd(side, args), **kw)
        self.procs.append(p)
        return p

    def nft(self, side, text):
        self.sh(side, ["nft", "-f", "-"], input=text)

    @contextlib.contextmanager
    def inns(self, side):
        """The calling thread enters the namespace; sockets created inside stay there."""
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open("/run/netns/" + self.ns(side), os.O_RDONLY)
        try:
            if _libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns " + side)
            yield
        finally:
            _libc.setns(home, CLONE_NEWNET)
            os.close(home)
            os.close(target)

    def socket(self, side, *args):
        with self.inns(side):
            return socket.socket(*args)

    # -- lifecycle ----------------------------------------------------------------------------------
    def __enter__(self):
        _guard()
        _open_labs.append(self)
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    def up(self):
        existing = sh("ip netns list", capture=True)
        for n in self.names.values():
            if n in existing.split():
                sh(["ip", "netns", "del", n], check=False)
        for n in self.names.values():
            sh(["ip", "netns", "add", n])
        for side in ("lan", "rtr", "wan"):
            self.sh(side, ["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                           "net.ipv6.conf.all.router_solicitations=0", "net.ipv6.conf.default.router_solicitations=0",
                           "net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0",
                           "net.ipv6.conf.default.addr_gen_mode=1"])
            self.sh(side, ["ip", "link", "set", "lo", "up"])
        for side in ("lan", "wan"):
            # host end first named in the router namespace, then moved: both names are free there
            sh(["ip", "link", "add", side, "netns", self.ns("rtr"), "type", "veth",
                "peer", "name", "eth0", "netns", self.ns(side)])
            r = ROUTER[side]
            self.sh("rtr", ["ip", "link", "set", side, "address", r["mac"]])
            self.sh(side, ["ip", "link", "set", "eth0", "address", r["peer_mac"]])
            for ns_side, dev in (("rtr", side), (side, "eth0")):
                mtu = self.mtu.get("%s:%s" % (ns_side, dev))
                self.sh(ns_side, ["sysctl", "-qw", "net.ipv6.conf.%s.addr_gen_mode=1" % dev,
                                  "net.ipv6.conf.%s.accept_dad=0" % dev])
                if mtu:
                    self.sh(ns_side, ["ip", "link", "set", dev, "mtu", str(mtu)])
                self.sh(ns_side, ["ethtool", "-K", dev, "tx", "off", "rx", "off", "tso", "off", "gso", "off",
                                  "gro", "off", "sg", "off"], check=False)
            # IPv6 needs an MTU of at least 1280: a smaller link is IPv4 only
            v6 = all(self.mtu.get(k, 1500) >= 1280 for k in ("rtr:" + side, side + ":eth0"))
            self.v6[side] = v6
            self.sh("rtr", ["ip", "addr", "add", r["ipv4"], "dev", side])
            if v6:
                self.sh("rtr", ["ip", "addr", "add", r["ipv6"], "dev", side, "nodad"])
            for a in HOSTS[side]["v4"]:
                self.sh(side, ["ip", "addr", "add", a + "/24", "dev", "eth0"])
                self.sh("rtr", ["ip", "neigh", "replace", a, "lladdr", r["peer_mac"], "dev", side, "nud", "permanent"])
            for k, a in enumerate(HOSTS[side]["v6"] if v6 else []):
                # addresses after the first are deprecated (preferred_lft 0): usable when bound, never picked as
                # a source, so unbound traffic (ping -6) keeps leaving from the first
                self.sh(side, ["ip", "addr", "add", a + "/64", "dev", "eth0", "nodad"]
                        + (["preferred_lft", "0"] if k else []))
                self.sh("rtr", ["ip", "neigh", "replace", a, "lladdr", r["peer_mac"], "dev", side, "nud", "permanent"])
            gw4, gw6 = r["ipv4"].split("/")[0], r["ipv6"].split("/")[0]
            self.sh(side, ["ip", "neigh", "replace", gw4, "lladdr", r["mac"], "dev", "eth0", "nud", "permanent"])
            if v6:
                self.sh(side, ["ip", "neigh", "replace", gw6, "lladdr", r["mac"], "dev", "eth0", "nud", "permanent"])
            self.sh("rtr", ["ip", "link", "set", side, "up"])
            self.sh(side, ["ip", "link", "set", "eth0", "up"])
            self.sh(side, ["ip", "route", "add", "default", "via", gw4])
            if v6:
                self.sh(side, ["ip", "-6", "route", "add", "default", "via", gw6])
        self.sh("rtr", ["sysctl", "-qw"] + ["%s=%s" % kv for kv in ROUTER_SYSCTLS.items()])

    def down(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.terminate()
                    p.wait(timeout=3)
                except Exception:
                    try:
                        p.kill()
                    except Exception:
                        pass
        self.procs = []
        for side in ("lan", "rtr", "wan"):
            n = self.names[side]
            # processes still living in the namespace (servers started by scenarios)
            pids = sh(["ip", "netns", "pids", n], check=False, capture=True) or ""
            for pid in pids.split():
                try:
                    os.kill(int(pid), 15)
                except OSError:
                    pass
        time.sleep(0.1)
        for side in ("lan", "rtr", "wan"):
            sh(["ip", "netns", "del", self.names[side]], check=False)
        for d in self.tmpdirs:
            shutil.rmtree(d, ignore_errors=True)
        if self in _open_labs:
            _open_labs.remove(self)

    # -- reading state back -------------------------------------------------------------------------
    def router_sysctls(self):
        out = self.sh("rtr", ["sysctl", "-a"], capture=True)
        res = {}
        for line in out.splitlines():
            k, _, v = line.partition(" = ")
            if k.startswith("net.netfilter."):
                res[k] = v
        return dict(sorted(res.items()))

    def topology(self):
        ifs = {}
        for side, r in ROUTER.items():
            ifs[side] = {"side": side, "mac": r["mac"], "ipv4": r["ipv4"],
                         "ipv6": r["ipv6"] if self.v6.get(side, True) else None, "peer_mac": r["peer_mac"]}
        t = {"namespaces": {"lan_host": self.ns("lan"), "router": self.ns("rtr"), "wan_host": self.ns("wan")},
             "router_interfaces": ifs,
             "lan_host_addresses": HOSTS["lan"]["v4"] + HOSTS["lan"]["v6"],
             "wan_host_addresses": HOSTS["wan"]["v4"] + HOSTS["wan"]["v6"]}
        if self.mtu:
            t["mtu"] = dict(self.mtu)
        return t

    def ifindex(self):
        """{ifindex: name} of the router's interfaces."""
        out = self.sh("rtr", ["ip", "-o", "link"], capture=True)
        res = {}
        for line in out.splitlines():
            idx, name = line.split(":")[:2]
            res[int(idx)] = name.strip().split("@")[0]
        return res


# -- cleanup guarantees -------------------------------------------------------------------------------------
def _down_all():
    for lab in list(_open_labs):
        lab.down()


def _on_signal(signum, _frame):
    # SIGTERM and SIGHUP become an exception, so every `with Lab()` unwinds and deletes its namespaces
    raise SystemExit(128 + signum)


def _guard():
    """Deletes this process's namespaces on any exit Python sees: normal, exception, SIGINT, SIGTERM, SIGHUP."""
    if getattr(_guard, "done", False):
        return
    _guard.done = True
    atexit.register(_down_all)
    guard_signals()


def guard_signals():
    """SIGTERM and SIGHUP unwind the stack (finally blocks and atexit run) instead of killing the process."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, None):
            signal.signal(sig, _on_signal)


def leftovers():
    """Namespaces named like a lab's whose process no longer runs."""
    out = []
    for line in (sh("ip netns list", capture=True, check=False) or "").splitlines():
        name = line.split()[0] if line.split() else ""
        m = _OWN.match(name)
        if m and not os.path.exists("/proc/%s" % m.group(1)):
            out.append(name)
    return out


def clean():
    """Deletes the leftovers; returns their names."""
    gone = leftovers()
    for n in gone:
        for pid in (sh(["ip", "netns", "pids", n], check=False, capture=True) or "").split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        sh(["ip", "netns", "del", n], check=False)
    return gone
