package org.conntrack4j.rules.nft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Load-time checks of one table that nft or the kernel make and that matter to an evaluator: references to chains
 * and ct helper objects, jumps to base chains, jump loops and depth, and where NAT statements may run. Works
 * iteratively, so long jump chains cannot overflow the stack.
 */
final class Validator {

    /** A name used at a position: a jump/goto target (with the chain it is in) or a ct helper reference. */
    record Ref(String fromChain, String name, SourcePos pos) {
    }

    /** A NAT statement in a chain. */
    record NatRef(String chain, NatStatement.Kind kind, SourcePos pos) {
    }

    /** A {@code ct timeout set} / {@code ct expectation set} reference. */
    record ObjectRef(CtObjectSetStatement.Kind kind, String name, SourcePos pos) {
    }

    /** An {@code add|update @set} reference, with the selector of its key. */
    record SetRef(String name, Selector key, SourcePos pos, SourcePos keyPos) {
    }

    /** NFT_JUMP_STACK_SIZE: the kernel refuses a chain reached at this depth below a base chain. */
    static final int JUMP_STACK_SIZE = 16;

    private final Table table;
    private final List<Ref> jumps;
    private final List<Ref> helperRefs;
    private final List<NatRef> nats;
    private final List<ObjectRef> objectRefs;
    private final List<SetRef> setRefs;
    /** {@code flow add @NAME} statements: the chain they are in and the flowtable's name. */
    private final List<Ref> flowRefs;
    private final List<Chain> chains;
    private final Map<String, Integer> index = new HashMap<>();

    Validator(Table table, List<Ref> jumps, List<Ref> helperRefs, List<NatRef> nats, List<ObjectRef> objectRefs,
            List<SetRef> setRefs, List<Ref> flowRefs) {
        this.table = table;
        this.jumps = jumps;
        this.helperRefs = helperRefs;
        this.nats = nats;
        this.objectRefs = objectRefs;
        this.setRefs = setRefs;
        this.flowRefs = flowRefs;
        this.chains = table.chains();
        for (int i = 0; i < chains.size(); i++) {
            index.put(chains.get(i).name(), i);
        }
    }

    private String tableName() {
        return table.family().keyword() + " " + table.name();
    }

    void validate() throws RulesetParseException {
        for (Ref r : helperRefs) {
            if (table.ctHelper(r.name()).isEmpty()) {
                throw new RulesetParseException(r.pos(), "ct helper \"" + r.name() + "\" is not declared in table "
                        + tableName() + " (declare it there: ct helper " + r.name()
                        + " { type \"ftp\" protocol tcp; })");
            }
        }
        for (ObjectRef r : objectRefs) {
            Class<? extends TableObject> kind = r.kind() == CtObjectSetStatement.Kind.TIMEOUT ? CtTimeoutObject.class
                    : CtExpectationObject.class;
            if (table.object(kind, r.name()).isEmpty()) {
                throw new RulesetParseException(r.pos(), "Could not process rule: No such file or directory (ct "
                        + r.kind().keyword() + " \"" + r.name() + "\" is not declared in table " + tableName() + ")");
            }
        }
        for (Ref r : flowRefs) {
            if (table.object(FlowtableObject.class, r.name()).isEmpty()) {
                throw new RulesetParseException(r.pos(), "Could not process rule: No such file or directory (flowtable"
                        + " \"" + r.name() + "\" is not declared in table " + tableName() + ")");
            }
        }
        for (SetRef r : setRefs) {
            NamedSet set = table.set(r.name()).orElse(null);
            if (set == null) {
                throw new RulesetParseException(r.pos(), "Could not process rule: No such file or directory (set \""
                        + r.name() + "\" is not declared in table " + tableName() + ")");
            }
            if (set.keyType() != r.key().kind()) {
                throw new RulesetParseException(r.keyPos(), "datatype mismatch: expected "
                        + (set.keyType() == ValueKind.IPV4_ADDR ? "IPv4" : "IPv6") + " address, expression has type "
                        + (r.key().kind() == ValueKind.IPV4_ADDR ? "IPv4" : "IPv6") + " address");
            }
        }
        List<List<Ref>> edges = new ArrayList<>();
        for (int i = 0; i < chains.size(); i++) {
            edges.add(new ArrayList<>());
        }
        for (Ref r : jumps) {
            Integer target = index.get(r.name());
            if (target == null) {
                throw new RulesetParseException(r.pos(), "unknown chain \"" + r.name() + "\" in table "
                        + tableName());
            }
            if (chains.get(target).isBaseChain()) {
                throw new RulesetParseException(r.pos(), "cannot jump to base chain \"" + r.name()
                        + "\" (only regular chains can be jump/goto targets)");
            }
            edges.get(index.get(r.fromChain())).add(r);
        }
        int[] topo = checkLoops(edges);
        checkDepth(edges, topo);
        checkNat(edges);
        checkFlowAdd(edges);
    }

    /**
     * {@code nft_flow_offload_validate}: {@code flow add} only in chains that no base chain of another hook than
     * forward reaches (the kernel answers EOPNOTSUPP).
     */
    private void checkFlowAdd(List<List<Ref>> edges) throws RulesetParseException {
        if (flowRefs.isEmpty()) {
            return;
        }
        List<BitSet> reach = reach(edges);
        for (Ref r : flowRefs) {
            int c = index.get(r.fromChain());
            for (int b = 0; b < chains.size(); b++) {
                if (reach.get(b) == null || !reach.get(b).get(c)) {
                    continue;
                }
                BaseChainSpec spec = chains.get(b).baseSpec().orElseThrow();
                if (spec.hook() != Hook.FORWARD) {
                    String via = b == c ? "" : " (chain \"" + r.fromChain() + "\" is reached from base chain \""
                            + chains.get(b).name() + "\")";
                    throw new RulesetParseException(r.pos(), "Could not process rule: Operation not supported (flow"
                            + " add is only valid at the forward hook, not " + spec.hook().keyword() + ")" + via);
                }
            }
        }
    }

    /** For each chain index, the chains its base chain reaches (itself included); null for regular chains. */
    private List<BitSet> reach(List<List<Ref>> edges) {
        int n = chains.size();
        List<BitSet> reach = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            if (!chains.get(b).isBaseChain()) {
                reach.add(null);
                continue;
            }
            BitSet seen = new BitSet(n);
            Deque<Integer> work = new ArrayDeque<>();
            seen.set(b);
            work.add(b);
            while (!work.isEmpty()) {
                int u = work.poll();
                for (Ref r : edges.get(u)) {
                    int v = index.get(r.name());
                    if (!seen.get(v)) {
                        seen.set(v);
                        work.add(v);
                    }
                }
            }
            reach.add(seen);
        }
        return reach;
    }

    /** Rejects any jump/goto cycle; returns the chains in topological order. */
    private int[] checkLoops(List<List<Ref>> edges) throws RulesetParseException {
        int n = chains.size();
        int[] color = new int[n]; // 0 white, 1 on stack, 2 done
        int[] order = new int[n];
        int done = 0;
        for (int root = 0; root < n; root++) {
            if (color[root] != 0) {
                continue;
            }
            Deque<int[]> stack = new ArrayDeque<>(); // {chain, next edge}
            stack.push(new int[] {root, 0});
            color[root] = 1;
            while (!stack.isEmpty()) {
                int[] top = stack.peek();
                List<Ref> out = edges.get(top[0]);
                if (top[1] < out.size()) {
                    Ref r = out.get(top[1]++);
                    int t = index.get(r.name());
                    if (color[t] == 1) {
                        throw new RulesetParseException(r.pos(), "jump loop: " + loopPath(stack, t)
                                + " (nft refuses loops)");
                    }
                    if (color[t] == 0) {
                        color[t] = 1;
                        stack.push(new int[] {t, 0});
                    }
                } else {
                    color[top[0]] = 2;
                    order[done++] = top[0];
                    stack.pop();
                }
            }
        }
        int[] topo = new int[n];
        for (int i = 0; i < n; i++) {
            topo[i] = order[n - 1 - i];
        }
        return topo;
    }

    private String loopPath(Deque<int[]> stack, int target) {
        List<String> names = new ArrayList<>();
        for (int[] frame : stack) { // top first
            names.add(0, chains.get(frame[0]).name());
            if (frame[0] == target) {
                break;
            }
        }
        names.add(chains.get(target).name());
        if (names.size() > 12) {
            List<String> shortened = new ArrayList<>(names.subList(0, 5));
            shortened.add("... (" + (names.size() - 10) + " more)");
            shortened.addAll(names.subList(names.size() - 5, names.size()));
            names = shortened;
        }
        return String.join(" -> ", names);
    }

    private void checkDepth(List<List<Ref>> edges, int[] topo) throws RulesetParseException {
        int n = chains.size();
        int[] depth = new int[n];
        for (int i = 0; i < n; i++) {
            depth[i] = chains.get(i).isBaseChain() ? 0 : -1;
        }
        for (int u : topo) {
            if (depth[u] < 0) {
                continue;
            }
            for (Ref r : edges.get(u)) {
                int v = index.get(r.name());
                depth[v] = Math.max(depth[v], depth[u] + 1);
            }
        }
        for (Ref r : jumps) {
            int u = index.get(r.fromChain());
            if (depth[u] >= 0 && depth[u] + 1 >= JUMP_STACK_SIZE) {
                throw new RulesetParseException(r.pos(), "chain \"" + r.name() + "\" would be reached at jump depth "
                        + (depth[u] + 1) + " below a base chain; the kernel allows at most "
                        + (JUMP_STACK_SIZE - 1) + " (NFT_JUMP_STACK_SIZE)");
            }
        }
    }

    private static Set<Hook> natHooks(NatStatement.Kind kind) {
        switch (kind) {
            case MASQUERADE:
                return EnumSet.of(Hook.POSTROUTING);
            case SNAT:
                return EnumSet.of(Hook.POSTROUTING, Hook.INPUT);
            default:
                return EnumSet.of(Hook.PREROUTING, Hook.OUTPUT);
        }
    }

    private void checkNat(List<List<Ref>> edges) throws RulesetParseException {
        if (nats.isEmpty()) {
            return;
        }
        List<Integer> bases = new ArrayList<>();
        List<BitSet> reach = new ArrayList<>();
        List<BitSet> all = reach(edges);
        for (int b = 0; b < all.size(); b++) {
            if (all.get(b) != null) {
                bases.add(b);
                reach.add(all.get(b));
            }
        }
        for (NatRef nat : nats) {
            int c = index.get(nat.chain());
            for (int i = 0; i < bases.size(); i++) {
                if (!reach.get(i).get(c)) {
                    continue;
                }
                Chain base = chains.get(bases.get(i));
                BaseChainSpec spec = base.baseSpec().orElseThrow();
                String via = bases.get(i) == c ? ""
                        : " (chain \"" + nat.chain() + "\" is reached from base chain \"" + base.name() + "\")";
                String what = nat.kind().keyword();
                if (spec.type() != ChainType.NAT) {
                    throw new RulesetParseException(nat.pos(), what + " is only valid in a nat chain; base chain \""
                            + base.name() + "\" is of type " + spec.type().keyword() + via);
                }
                Set<Hook> allowed = natHooks(nat.kind());
                if (!allowed.contains(spec.hook())) {
                    StringBuilder hooks = new StringBuilder();
                    for (Hook h : allowed) {
                        hooks.append(hooks.length() > 0 ? ", " : "").append(h.keyword());
                    }
                    throw new RulesetParseException(nat.pos(), what + " is not valid at the " + spec.hook().keyword()
                            + " hook (" + what + ": " + hooks + ")" + via);
                }
            }
        }
    }
}
