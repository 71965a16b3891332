"""The router's nftables ruleset of a scenario: the ct-state logging chain every case has, plus what the spec asks
for."""

# One NFLOG record per packet to group 1 with the ct state and direction an nftables rule sees (prerouting at
# priority mangle, -150: after conntrack at -200, before DNAT at -100).
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
FTP_HELPER = {"type": "ftp", "object": "ftp_helper", "protocol": "tcp", "l3proto": "inet", "port": 21}


def helpers(spec):
    """The spec's ct helper objects: ``helper`` is True (the ftp helper, as the FTP cases have it), one dict
    {"type", "protocol", "port", "l3proto" (default inet), "object" (default TYPE_h)} or a list of them. Each is
    assigned by a rule ``ct state new PROTO dport PORT ct helper set "OBJECT"`` in chain helpers."""
    h = spec.get("helper")
    if not h:
        return []
    out = []
    for d in ([FTP_HELPER] if h is True else h if isinstance(h, list) else [h]):
        d = dict(d)
        d.setdefault("l3proto", "inet")
        d.setdefault("object", "%s_h" % d["type"])
        d["rule"] = 'ct state new %s dport %d ct helper set "%s"' % (d["protocol"], d["port"], d["object"])
        out.append(d)
    return out


def helper_object(h):
    return '\tct helper %s {\n\t\ttype "%s" protocol %s\n\t\tl3proto %s\n\t}\n' % (
        h["object"], h["type"], h["protocol"], h["l3proto"])


MASQ_RULE = 'oifname "wan" ip saddr 198.51.100.0/24 masquerade'


def chain(name, hook_line, rules=(), policy="accept"):
    """nft text of a base chain: ``hook_line`` is "TYPE hook HOOK priority PRIO"."""
    return ("\tchain %s {\n\t\ttype %s; policy %s;\n" % (name, hook_line, policy)
            + "".join("\t\t%s\n" % r for r in rules) + "\t}\n")


def ruleset(spec):
    """The router's table: the ctlog chain plus what the spec asks for: ``objects`` (ct timeout / ct expectation
    objects and sets, as nft text, at the top of the table), ``raw`` (rules of a prerouting chain at priority raw,
    before conntrack), ``helper`` (see helpers), ``ct_pre`` (rules of a prerouting chain at priority filter, after
    ctlog: the conntrack features' statements, as the oracle's feature cases have them), ``forward`` ((policy, rules)
    of the forward chain; default an empty one with policy accept), ``dnat``, and ``snat`` (explicit source NAT
    rules) or ``masq`` (the default masquerade)."""
    parts = [helper_object(h) for h in helpers(spec)]
    parts.extend(spec.get("objects", []))
    if spec.get("raw"):
        parts.append(chain("raw_pre", "filter hook prerouting priority raw", spec["raw"]))
    parts.append(CTLOG)
    if helpers(spec):
        parts.append(chain("helpers", "filter hook prerouting priority filter", [h["rule"] for h in helpers(spec)]))
    if spec.get("ct_pre"):
        parts.append(chain("ct_pre", "filter hook prerouting priority filter", spec["ct_pre"]))
    policy, rules = spec.get("forward", ("accept", []))
    parts.append(chain("forward", "filter hook forward priority filter", rules, policy))
    if spec.get("dnat"):
        parts.append(chain("nat_pre", "nat hook prerouting priority dstnat", spec["dnat"]))
    if spec.get("snat") or spec.get("masq"):
        # explicit source NAT rules (snat with ranges, masquerade with flags) instead of the default masquerade
        parts.append(chain("nat_post", "nat hook postrouting priority srcnat", spec.get("snat") or [MASQ_RULE]))
    return "table inet oracle {\n" + "\n".join(parts) + "}\n"
