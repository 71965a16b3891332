#!/usr/bin/python3
"""Records scenarios against this machine's kernel into oracle-format case folders.

usage: sudo /usr/bin/python3 tools/recorder/record.py [--out DIR] [--keep-raw] NAME... | --list | all
(default DIR: testdata/recorded of the repository)
"""
import json
import os
import shutil
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lab import Lab  # noqa: E402
from capture import Capture  # noqa: E402
from assemble import assemble  # noqa: E402
from hostnet import Net  # noqa: E402
import scenarios  # noqa: E402

CTLOG = """\tchain ctlog {
\t\ttype filter hook prerouting priority mangle; policy accept;
\t\tct state invalid log prefix "ct=invalid dir=none" group 1 accept
\t\tct state untracked log prefix "ct=untracked dir=none" group 1 accept
\t\tct state new ct direction original log prefix "ct=new dir=original" group 1 accept
\t\tct state new ct direction reply log prefix "ct=new dir=reply" group 1 accept
\t\tct state established ct direction original log prefix "ct=established dir=original" group 1 accept
\t\tct state established ct direction reply log prefix "ct=established dir=reply" group 1 accept
\t\tct state related ct direction original log prefix "ct=related dir=original" group 1 accept
\t\tct state related ct direction reply log prefix "ct=related dir=reply" group 1 accept
\t\tlog prefix "ct=unknown dir=unknown" group 1
\t}
"""
FORWARD = """\tchain forward {
\t\ttype filter hook forward priority filter; policy accept;
\t}
"""
HELPER_OBJ = """\tct helper ftp_helper {
\t\ttype "ftp" protocol tcp
\t\tl3proto inet
\t}
"""
HELPER_CHAIN = """\tchain helpers {
\t\ttype filter hook prerouting priority filter; policy accept;
\t\tct state new tcp dport 21 ct helper set "ftp_helper"
\t}
"""
MASQ = """\tchain nat_post {
\t\ttype nat hook postrouting priority srcnat; policy accept;
\t\toifname "wan" ip saddr 198.51.100.0/24 masquerade
\t}
"""


def ruleset(spec):
    parts = []
    if spec.get("helper"):
        parts.append(HELPER_OBJ)
    parts.append(CTLOG)
    if spec.get("helper"):
        parts.append(HELPER_CHAIN)
    parts.append(FORWARD)
    if spec.get("dnat"):
        parts.append("\tchain nat_pre {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
                     + "".join("\t\t%s\n" % r for r in spec["dnat"]) + "\t}\n")
    if spec.get("snat"):
        # explicit source NAT rules (snat with ranges, masquerade with flags) instead of the default masquerade
        parts.append("\tchain nat_post {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                     + "".join("\t\t%s\n" % r for r in spec["snat"]) + "\t}\n")
    elif spec.get("masq"):
        parts.append(MASQ)
    return "table inet oracle {\n" + "\n".join(parts) + "}\n"


def tick_phase_us():
    """Where this kernel's 4 ms jiffy ticks fall on the wall clock: ticks are at multiples of the tick length
    in CLOCK_MONOTONIC, so the phase is (REALTIME - MONOTONIC) mod 4 ms."""
    best = None
    for _ in range(20):
        a = time.clock_gettime_ns(time.CLOCK_REALTIME)
        m = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        b = time.clock_gettime_ns(time.CLOCK_REALTIME)
        if best is None or b - a < best[0]:
            best = (b - a, (a + b) // 2 - m)
    return (best[1] % 4_000_000) // 1000


def record(name, outroot, keep_raw=False):
    fn = getattr(scenarios, name)
    spec = dict(fn.spec)
    out = os.path.join(outroot, name)
    raw = os.path.join(outroot, ".raw", name)
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    rs = ruleset(spec)
    t_start = time.time()
    with Lab(mtu=spec.get("mtu")) as lab:
        lab.nft("rtr", rs)
        net = Net(lab)
        if spec.get("prepare"):
            spec["prepare"](net)
        time.sleep(1.2)         # MLD reports after link-up settle before the capture starts
        cap = Capture(lab, raw, expect=bool(spec.get("helper")))
        cap.start()
        try:
            fn(net, cap)
            net.join()
        except Exception:
            net.note("scenario error: " + traceback.format_exc().strip().splitlines()[-1])
            traceback.print_exc()
        time.sleep(0.5)
        cap.snapshot()
        stats = cap.stop()
        sysctls = lab.router_sysctls()
        meta = {
            "scenario": name,
            "set": "recorded",
            "description": (fn.__doc__ or "").strip(),
            "topology": lab.topology(),
            "nat": spec.get("nat_text"),
            "helper": {"type": "ftp"} if spec.get("helper") else None,
            "parameters": spec.get("params", {}),
            "nft_ruleset": rs,
            "ruleset_loaded": lab.sh("rtr", ["nft", "list", "ruleset"], capture=True),
            "sysctls": sysctls,
            "notes": net.notes,
            "tcpdump": stats,
            "tick_phase_us": tick_phase_us(),
            "kernel": os.uname().release,
            "_ifindex": lab.ifindex(),
        }
        net.close()
    problems = assemble(raw, out, meta)
    meta_dur = time.time() - t_start
    if not keep_raw:
        shutil.rmtree(raw, ignore_errors=True)
    print("%s: %s (%.1fs)%s" % (name, out, meta_dur, "" if not problems else "\n  PROBLEMS:\n  " + "\n  ".join(problems)))
    return problems


def main():
    # Everything the scenarios start runs on one CPU, so the router's softirq work (which runs on the sending
    # CPU for veth) is serialised: packets from the two sides are never processed concurrently, which otherwise
    # lets one packet's event be printed with the state a concurrent packet gave the entry.
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    args = sys.argv[1:]
    outroot = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "recorded")
    keep = False
    names = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--out":
            outroot = args[i + 1]
            i += 1
        elif a == "--keep-raw":
            keep = True
        elif a == "--list":
            print("\n".join(scenarios.ALL))
            return 0
        elif a == "all":
            names.extend(scenarios.ALL)
        else:
            names.append(a)
        i += 1
    os.makedirs(outroot, exist_ok=True)
    for n in names:
        try:
            record(n, outroot, keep)
        except Exception:
            traceback.print_exc()
            print("%s: FAILED" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
