"""python3 -m tools.kernellab COMMAND ...  (as root; README.md beside this file)

  list [SUBJECT...]                     the scenarios, by subject, with the folder each records into
  record SCENARIO... [--out DIR] [--keep-raw]
                                        records each into DIR/NAME (default: its folder under testdata/);
                                        a SCENARIO is an id from `list`, a subject, a home such as
                                        probes/tcp, or `all`
  compare CASE_A CASE_B                 whether two recordings of a scenario agree (compare.py's scoring,
                                        random values masked: equiv.py)
  sync-vectors [ftfw|notrack|alarm...] [--out DIR]
                                        two real conntrackd around a kernel router: their sync traffic and
                                        caches as the sync bundle's golden vectors (syncvectors.py)
  ctcmd [SESSION...] [--out DIR]        sessions of conntrack commands (-I -U -L -G -D -C) against the kernel,
                                        with their output (ctcmd.py), for the shell's CtSessionTest
  clean                                 deletes namespaces left by a lab whose process was killed
"""
import os
import sys


def main(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__.strip())
        return 0 if argv else 2
    cmd, args = argv[0], argv[1:]
    if cmd == "sync-vectors":
        from .syncvectors import main as sync_vectors
        sync_vectors(args)
        return 0
    if cmd == "ctcmd":
        from .ctcmd import main as ctcmd
        ctcmd(args)
        return 0
    if cmd == "clean":
        from .lab import clean
        gone = clean()
        print("deleted: %s" % (" ".join(gone) if gone else "nothing"))
        return 0
    if cmd == "compare" and len(args) == 2:
        from .equiv import equivalent
        ok, parts = equivalent(args[0], args[1])
        for k, v in parts.items():
            full = v["agree"] == v["total"] and v.get("got", v["total"]) == v["total"]
            print("%-8s %d/%d%s" % (k, v["agree"], v["total"], "" if full else "  %s" % {
                x: y for x, y in v.items() if x not in ("agree", "total")}))
        print("equivalent" if ok else "DIFFERENT")
        return 0 if ok else 1
    from . import registry
    registry.load()
    if cmd == "list":
        for subject in registry.SUBJECTS:
            if args and subject not in args:
                continue
            fns = [fn for fn in registry.SCENARIOS.values() if fn.subject == subject]
            if not fns:
                continue
            print("%s (%d)" % (subject, len(fns)))
            for fn in fns:
                doc = (fn.__doc__ or "").strip().split("\n")[0]
                print("  %-40s %s" % (fn.id, doc[:80]))
        return 0
    if cmd == "record":
        out, keep, names = None, False, []
        i = 0
        while i < len(args):
            if args[i] == "--out":
                out = args[i + 1]
                i += 1
            elif args[i] == "--keep-raw":
                keep = True
            else:
                names.append(args[i])
            i += 1
        if not names:
            print("record: which scenario? (python3 -m tools.kernellab list)", file=sys.stderr)
            return 2
        try:
            fns = [fn for n in names for fn in registry.find(n)]
        except KeyError as e:
            print(e.args[0], file=sys.stderr)
            return 2
        if os.geteuid() != 0:
            print("record needs root (network namespaces, nftables, captures)", file=sys.stderr)
            return 2
        # Everything the scenarios start runs on one CPU, so the router's softirq work (which runs on the
        # sending CPU for veth) is serialised: packets from the two sides are never processed concurrently,
        # which otherwise lets one packet's event be printed with the state a concurrent packet gave the entry.
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        from .record import default_dir, record
        failed = []
        for fn in fns:
            dest = os.path.join(out, fn.__name__) if out else default_dir(fn)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            try:
                record(fn, dest, keep)
            except Exception:
                import traceback
                traceback.print_exc()
                print("%s: FAILED" % fn.id)
                failed.append(fn.id)
        if failed:
            print("failed: %s" % " ".join(failed), file=sys.stderr)
        return 1 if failed else 0
    print("unknown command %s\n\n%s" % (cmd, __doc__.strip()), file=sys.stderr)
    return 2


sys.exit(main(sys.argv[1:]))
