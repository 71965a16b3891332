"""Captures in the router namespace while a scenario runs.

  lan-in.pcap / wan-in.pcap     frames the router received (tcpdump -Q in, nanosecond kernel timestamps)
  lan-out.pcap / wan-out.pcap   frames the router sent (tcpdump -Q out)
  nflog.pcap                    NFLOG groups 0 (conntrack's invalid reasons) and 1 (the ctlog chain)
  events.raw / expect.raw       conntrack -E -o timestamp,extended,id / conntrack -E expect -o timestamp
  table.txt / expect-list.txt   conntrack -L snapshots taken by snapshot()
  steps.jsonl                   per-packet snapshots taken by after(): the packet and the listings after it
"""
import json
import os
import select
import signal
import subprocess
import time


def labelled_conntrack(workdir):
    """The conntrack command printing labels through a map that names each label by its number ("3 3", as the
    oracle's cases were recorded): /etc/xtables/connlabel.conf seen through an overlay in a mount namespace of its
    own (files under ``workdir``), so the machine's /etc is not touched. Its arguments follow."""
    conf = os.path.join(workdir, "upper", "xtables", "connlabel.conf")
    if not os.path.exists(conf):
        os.makedirs(os.path.dirname(conf), exist_ok=True)
        os.makedirs(os.path.join(workdir, "work"), exist_ok=True)
        with open(conf, "w") as f:
            f.write("".join("%d %d\n" % (i, i) for i in range(128)))
    script = ("mount -t overlay overlay -o lowerdir=/etc,upperdir=%s,workdir=%s /etc && exec conntrack \"$@\""
              % (os.path.join(workdir, "upper"), os.path.join(workdir, "work")))
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "conntrack"]


class Capture:
    def __init__(self, lab, workdir, expect=False, xml=False):
        self.lab = lab
        self.dir = workdir
        self.expect = expect
        self.xml = xml
        self.dumps = []
        self.ct = []
        self.stderr = {}
        os.makedirs(workdir, exist_ok=True)

    def _tcpdump(self, name, args):
        path = os.path.join(self.dir, name)
        p = self.lab.popen("rtr", ["tcpdump", "-n", "-U", "--immediate-mode", "-s", "0", "-Z", "root", "-w", path] + args,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.dumps.append((name, p))
        return p

    def _ready(self, p, what, timeout=5.0):
        end = time.time() + timeout
        buf = b""
        while time.time() < end:
            r, _, _ = select.select([p.stderr], [], [], 0.1)
            if r:
                chunk = os.read(p.stderr.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
                if b"listening on" in buf:
                    self.stderr[what] = buf
                    return
        raise RuntimeError("%s not ready: %r" % (what, buf))

    def start(self):
        for dev in ("lan", "wan"):
            for q in ("in", "out"):
                self._tcpdump("%s-%s.pcap" % (dev, q), ["-i", dev, "-Q", q, "--time-stamp-precision=nano"])
        p = self.lab.popen("rtr", ["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "nflogd.py"),
                                   os.path.join(self.dir, "nflog.pcap"), "0", "1"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.dumps.append(("nflog.pcap", p))
        for name, p in self.dumps:
            self._ready(p, name)
        ev = open(os.path.join(self.dir, "events.raw"), "w")
        self.ct.append(self.lab.popen("rtr", self.conntrack("-E", "-o", "timestamp,extended,id,labels",
                                                            "-b", "8388608"),
                                      stdout=ev, stderr=subprocess.DEVNULL))
        if self.expect:
            ex = open(os.path.join(self.dir, "expect.raw"), "w")
            self.ct.append(self.lab.popen("rtr", ["conntrack", "-E", "expect", "-o", "timestamp"],
                                          stdout=ex, stderr=subprocess.DEVNULL))
        time.sleep(0.4)

    def conntrack(self, *args):
        """The conntrack command with ``args``, printing labels through a map that names each label by its number
        (``labelled_conntrack``)."""
        return labelled_conntrack(os.path.join(self.dir, "labelmap")) + list(args)

    def change_ruleset(self, text):
        """Replaces the router's ruleset between packets (``nft -f`` of ``flush ruleset`` and ``text``, one
        transaction), as an operator reloading it does; the time and the text go into case.json
        (``ruleset_changes``) for the replay to do the same."""
        at = time.time_ns()
        self.lab.nft("rtr", "flush ruleset\n" + text)
        with open(os.path.join(self.dir, "ruleset-changes.jsonl"), "a") as f:
            f.write(json.dumps({"at_ns": at, "ruleset": text}) + "\n")

    def snapshot(self):
        """conntrack -L (and -L expect) now."""
        with open(os.path.join(self.dir, "snapshot-time"), "w") as f:
            f.write(str(time.time_ns()))
        t = self.lab.sh("rtr", self.conntrack("-L", "-o", "extended,id,labels"), capture=True, check=False)
        with open(os.path.join(self.dir, "table.txt"), "w") as f:
            f.write(t or "")
        if self.xml:
            # the same table as libnetfilter_conntrack's XML, for the conntrack command's -o xml
            x = self.lab.sh("rtr", self.conntrack("-L", "-o", "xml,labels"), capture=True, check=False)
            with open(os.path.join(self.dir, "table.xml"), "w") as f:
                f.write(x or "")
        if self.expect:
            self.expect_snapshot("end")
        # the dump destroys the expired entries it meets: their DESTROY events belong to the recording too
        with open(os.path.join(self.dir, "snapshot-end-time"), "w") as f:
            f.write(str(time.time_ns()))

    def after(self, ip, table=True, expect=False):
        """Per-packet evidence for probes sending one packet at a time: the connection table (conntrack -L) and
        the expectations (conntrack -L expect) right after the router handled ``ip`` (the bytes from the IP
        header on, as sent). The assembly labels them with the ingress frame the packet became."""
        rec = {"ip": bytes(ip).hex()}
        if table:
            rec["table"] = self.lab.sh("rtr", ["conntrack", "-L", "-o", "extended,id"], capture=True, check=False)
        if expect:
            rec["expect"] = self.expectations()
        with open(os.path.join(self.dir, "steps.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")

    def expectations(self):
        """conntrack -L expect of both families (without -f it lists IPv4 expectations only)."""
        return "".join(self.lab.sh("rtr", ["conntrack", "-L", "expect", "-f", f], capture=True, check=False) or ""
                       for f in ("ipv4", "ipv6"))

    def expect_snapshot(self, label):
        t = self.expectations()
        with open(os.path.join(self.dir, "expect-list.txt"), "a") as f:
            f.write("# conntrack -L expect (%s)\n" % label + (t or ""))

    def stop(self):
        time.sleep(0.5)
        for p in self.ct:
            p.send_signal(signal.SIGINT)
        for name, p in self.dumps:
            p.send_signal(signal.SIGINT)
        stats = {}
        for name, p in self.dumps:
            try:
                _, err = p.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                _, err = p.communicate()
            stats[name] = (self.stderr.get(name, b"") + (err or b"")).decode(errors="replace").strip().splitlines()[-3:]
        for p in self.ct:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        return stats
