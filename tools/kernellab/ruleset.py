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
# The helper of a spec: ``helper=True`` is FTP's (every family, port 21); a dict names another one.
FTP_HELPER = {"type": "ftp", "object": "ftp_helper", "protocol": "tcp", "l3proto": "inet", "port": 21}
HELPER_OBJ = """\tct helper {object} {{
\t\ttype "{type}" protocol {protocol}
\t\tl3proto {l3proto}
\t}}
"""
HELPER_RULE = "ct state new {protocol} dport {port} ct helper set \"{object}\""


def helper_of(spec):
    """The helper a spec asks for (FTP_HELPER for ``helper=True``), or None."""
    h = spec.get("helper")
    return None if not h else FTP_HELPER if h is True else h
MASQ_RULE = 'oifname "wan" ip saddr 198.51.100.0/24 masquerade'


def chain(name, hook_line, rules=(), policy="accept"):
    """nft text of a base chain: ``hook_line`` is "TYPE hook HOOK priority PRIO"."""
    return ("\tchain %s {\n\t\ttype %s; policy %s;\n" % (name, hook_line, policy)
            + "".join("\t\t%s\n" % r for r in rules) + "\t}\n")


def ruleset(spec):
    """The router's table: the ctlog chain plus what the spec asks for: ``objects`` (ct timeout / ct expectation
    objects and sets, as nft text, at the top of the table), ``raw`` (rules of a prerouting chain at priority raw,
    before conntrack), ``helper`` (see helper_of), ``ct_pre`` (rules of a prerouting chain at priority filter, after
    ctlog: the conntrack features' statements, as the oracle's feature cases have them), ``forward`` ((policy, rules)
    of the forward chain; default an empty one with policy accept), ``dnat``, and ``snat`` (explicit source NAT
    rules) or ``masq`` (the default masquerade)."""
    parts = []
    helper = helper_of(spec)
    if helper:
        parts.append(HELPER_OBJ.format(**helper))
    parts.extend(spec.get("objects", []))
    if spec.get("raw"):
        parts.append(chain("raw_pre", "filter hook prerouting priority raw", spec["raw"]))
    parts.append(CTLOG)
    if helper:
        parts.append(chain("helpers", "filter hook prerouting priority filter", [HELPER_RULE.format(**helper)]))
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
