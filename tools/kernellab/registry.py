"""The scenarios by name.

A scenario is a function (net, cap) registered with ``@scenario(**spec)``; its docstring becomes case.json
"description". The spec says how the router is set up (see ruleset.ruleset for the ruleset keys, and
``sysctls``, ``mtu``, ``prepare``, ``params``, ``nat_text``) and where the case goes: ``home`` is the folder under
testdata/ (default ``recorded``: a full replay case the differential suite runs; ``probes/SUBJECT`` for evidence
that unit tests read). The subject is the module the scenario is written in.
"""
import importlib
import pkgutil

SCENARIOS = {}     # id -> function, in registration order (subject modules in SUBJECTS order); the id is the name
                   # for a recorded case, HOME/NAME for the others (probes of two subjects may share a name)
SUBJECTS = ["tcp", "udp", "icmp", "ipv6", "nat", "ftp", "fragments", "timeouts", "settings", "rulesets", "headers",
            "sctp", "helpers", "features", "pptp", "sip", "local", "probe_tcp", "probe_ftp", "probe_nat",
            "probe_icmp"]


def scenario(**spec):
    def wrap(fn):
        spec.setdefault("home", "recorded")
        fn.spec = spec
        fn.subject = fn.__module__.rsplit(".", 1)[-1]
        fn.id = fn.__name__ if spec["home"] == "recorded" else "%s/%s" % (spec["home"], fn.__name__)
        if fn.id in SCENARIOS:
            raise ValueError("scenario %s defined twice (%s, %s)" % (fn.id, SCENARIOS[fn.id].subject, fn.subject))
        SCENARIOS[fn.id] = fn
        return fn
    return wrap


def load():
    """Imports every subject module (each registers its scenarios); returns SCENARIOS."""
    from . import scenarios
    known = {m.name for m in pkgutil.iter_modules(scenarios.__path__)} - {"common"}
    missing = known - set(SUBJECTS)
    if missing:
        raise ValueError("subject modules not listed in registry.SUBJECTS: %s" % sorted(missing))
    for s in SUBJECTS:
        if s in known:
            importlib.import_module(scenarios.__name__ + "." + s)
    return SCENARIOS


def find(name):
    """Scenarios by id as `list` prints it, by a subject (every scenario of it), or `all`."""
    load()
    if name == "all":
        return list(SCENARIOS.values())
    if name in SCENARIOS:
        return [SCENARIOS[name]]
    by_subject = [fn for fn in SCENARIOS.values() if fn.subject == name]
    if by_subject:
        return by_subject
    by_home = [fn for fn in SCENARIOS.values() if fn.spec["home"] == name]
    if by_home:
        return by_home
    raise KeyError("no scenario or subject %s (see: python3 -m tools.kernellab list)" % name)
