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
HELPER_OBJ = """\tct helper ftp_helper {
\t\ttype "ftp" protocol tcp
\t\tl3proto inet
\t}
"""
HELPER_RULE = "ct state new tcp dport 21 ct helper set \"ftp_helper\""
MASQ_RULE = 'oifname "wan" ip saddr 198.51.100.0/24 masquerade'


def chain(name, hook_line, rules=(), policy="accept"):
    """nft text of a base chain: ``hook_line`` is "TYPE hook HOOK priority PRIO"."""
    return ("\tchain %s {\n\t\ttype %s; policy %s;\n" % (name, hook_line, policy)
            + "".join("\t\t%s\n" % r for r in rules) + "\t}\n")


def ruleset(spec):
    """The router's table: the ctlog chain plus what the spec asks for: ``raw`` (rules of a prerouting chain
    at priority raw, before conntrack), ``helper``, ``forward`` ((policy, rules) of the forward chain; default
    an empty one with policy accept), ``dnat``, and ``snat`` (explicit source NAT rules) or ``masq`` (the default
    masquerade)."""
    parts = []
    if spec.get("helper"):
        parts.append(HELPER_OBJ)
    if spec.get("raw"):
        parts.append(chain("raw_pre", "filter hook prerouting priority raw", spec["raw"]))
    parts.append(CTLOG)
    if spec.get("helper"):
        parts.append(chain("helpers", "filter hook prerouting priority filter", [HELPER_RULE]))
    policy, rules = spec.get("forward", ("accept", []))
    parts.append(chain("forward", "filter hook forward priority filter", rules, policy))
    if spec.get("dnat"):
        parts.append(chain("nat_pre", "nat hook prerouting priority dstnat", spec["dnat"]))
    if spec.get("snat") or spec.get("masq"):
        # explicit source NAT rules (snat with ranges, masquerade with flags) instead of the default masquerade
        parts.append(chain("nat_post", "nat hook postrouting priority srcnat", spec.get("snat") or [MASQ_RULE]))
    return "table inet oracle {\n" + "\n".join(parts) + "}\n"


def set_sysctls(lab, spec):
    """The spec's conntrack sysctls (``sysctls``: {"nf_conntrack_...": value}) in the router namespace; case.json
    reads every net.netfilter sysctl back at the end, so the replay applies them."""
    if spec.get("sysctls"):
        lab.sh("rtr", ["sysctl", "-qw"] + ["net.netfilter.%s=%s" % kv for kv in spec["sysctls"].items()])


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
        set_sysctls(lab, spec)
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
