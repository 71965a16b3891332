"""Records one scenario against this machine's kernel into a case folder (the format of testdata/oracle)."""
import os
import shutil
import sys
import time
import traceback

from .assemble import assemble
from .capture import Capture
from .lab import Lab
from .ruleset import helpers, ruleset
from .traffic import Net

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def default_dir(fn):
    """Where a scenario's case lives in the repository: testdata/HOME/NAME."""
    return os.path.join(REPO, "testdata", fn.spec["home"], fn.__name__)


def set_sysctls(lab, spec):
    """The spec's conntrack sysctls (``sysctls``: {"nf_conntrack_...": value}) in the router namespace; case.json
    reads every net.netfilter sysctl back at the end, so the replay applies them."""
    if spec.get("sysctls"):
        lab.sh("rtr", ["sysctl", "-qw"] + ["net.netfilter.%s=%s" % kv for kv in spec["sysctls"].items()])


def helper_text(spec):
    """case.json's "helper": as the FTP cases have it ({"type": "ftp"}), else the oracle's form with the object,
    protocol, l3proto, port and rule (a list when there are several)."""
    hs = helpers(spec)
    if not hs:
        return None
    if spec.get("helper") is True:
        return {"type": "ftp"}
    out = [dict(h, chain="helpers (hook prerouting, priority filter = 0)") for h in hs]
    return out[0] if len(out) == 1 else out


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


def record(fn, out, keep_raw=False):
    """Runs scenario ``fn`` in a fresh lab and writes its case into the folder ``out``; returns the problems
    the assembly found (frames without a verdict, and the like)."""
    spec = dict(fn.spec)
    raw = os.path.join(os.path.dirname(out), ".raw", os.path.basename(out))
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
        cap = Capture(lab, raw, expect=bool(spec.get("helper") or spec.get("expect")), xml=bool(spec.get("xml")))
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
        meta = {
            "scenario": fn.__name__,
            "set": spec["home"],
            "subject": fn.subject,
            "description": (fn.__doc__ or sys.modules[fn.__module__].__doc__ or "").strip(),
            "topology": lab.topology(),
            "nat": spec.get("nat_text"),
            "helper": helper_text(spec),
            "parameters": spec.get("params", {}),
            "nft_ruleset": rs,
            "ruleset_loaded": lab.sh("rtr", ["nft", "list", "ruleset"], capture=True),
            "sysctls": lab.router_sysctls(),
            "notes": net.notes,
            "tcpdump": stats,
            "tick_phase_us": tick_phase_us(),
            "kernel": os.uname().release,
            "_ifindex": lab.ifindex(),
            "_expect": bool(spec.get("expect")),
        }
        if spec.get("routes"):
            meta["topology"]["routes"] = spec["routes"]
        if net.operations:
            meta["operations"] = net.operations
        if net.router_sockets:
            meta["router_sockets"] = net.router_sockets
        net.close()
    problems = assemble(raw, out, meta)
    if not keep_raw:
        shutil.rmtree(raw, ignore_errors=True)
        try:
            os.rmdir(os.path.dirname(raw))
        except OSError:
            pass
    print("%s: %s (%.1fs)%s" % (fn.id, out, time.time() - t_start,
                                "" if not problems else "\n  PROBLEMS:\n  " + "\n  ".join(problems)))
    return problems
