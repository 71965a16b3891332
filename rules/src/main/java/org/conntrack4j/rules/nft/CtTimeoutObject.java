package org.conntrack4j.rules.nft;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code ct timeout NAME { protocol P; l3proto F; policy = { STATE : SECONDS, ... } }} object: a timeout policy for
 * one protocol, given to connections with {@code ct timeout set "NAME"}. {@code timeouts} holds every state of the
 * protocol in nft's order with its value: the one given, else nft's default for it (nft sends the kernel a full
 * policy, so a state not given keeps nft's built-in value, not the current sysctl). nft 1.0.6 has policies for tcp
 * and udp only. Printed as nft lists it: the states whose value is not nft's default. Equality ignores the position.
 *
 * @since 1.2
 */
public record CtTimeoutObject(String name, int protocol, Family l3proto, Map<String, Long> timeouts,
        SourcePos position) implements TableObject {

    /** One state of a policy: nft's name, nft's default in seconds, and the setting conntrack4j's tracker reads. */
    record State(String name, long defaultSeconds, String setting) {
    }

    private static final List<State> TCP = List.of(
            new State("syn_sent", 120, "nf_conntrack_tcp_timeout_syn_sent"),
            new State("syn_recv", 60, "nf_conntrack_tcp_timeout_syn_recv"),
            new State("established", 432000, "nf_conntrack_tcp_timeout_established"),
            new State("fin_wait", 120, "nf_conntrack_tcp_timeout_fin_wait"),
            new State("close_wait", 60, "nf_conntrack_tcp_timeout_close_wait"),
            new State("last_ack", 30, "nf_conntrack_tcp_timeout_last_ack"),
            new State("time_wait", 120, "nf_conntrack_tcp_timeout_time_wait"),
            new State("close", 10, "nf_conntrack_tcp_timeout_close"),
            new State("syn_sent2", 120, "nf_conntrack_tcp_timeout_syn_sent2"),
            new State("retrans", 300, "nf_conntrack_tcp_timeout_max_retrans"),
            new State("unack", 300, "nf_conntrack_tcp_timeout_unacknowledged"));
    private static final List<State> UDP = List.of(
            new State("unreplied", 30, "nf_conntrack_udp_timeout"),
            new State("replied", 120, "nf_conntrack_udp_timeout_stream"));

    public CtTimeoutObject {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(l3proto, "l3proto");
        Objects.requireNonNull(position, "position");
        List<State> states = states(protocol);
        if (states == null) {
            throw new IllegalArgumentException("ct timeout protocol must be tcp (6) or udp (17)");
        }
        Map<String, Long> full = new LinkedHashMap<>();
        for (State st : states) {
            Long v = timeouts.get(st.name());
            if (v != null && (v < 0 || v > Integer.MAX_VALUE)) {
                throw new IllegalArgumentException("timeout " + st.name() + " out of range: " + v);
            }
            full.put(st.name(), v == null ? st.defaultSeconds() : v);
        }
        for (String k : timeouts.keySet()) {
            if (!full.containsKey(k)) {
                throw new IllegalArgumentException("not a " + Symbols.protocolName(protocol) + " timeout state: " + k);
            }
        }
        timeouts = java.util.Collections.unmodifiableMap(full);
    }

    /** nft's states of {@code protocol} in order, or null if nft has no timeout policy for it. */
    static List<State> states(int protocol) {
        return protocol == 6 ? TCP : protocol == 17 ? UDP : null;
    }

    /** The state names of {@code protocol}, for error messages. */
    static String stateNames(int protocol) {
        StringBuilder sb = new StringBuilder();
        for (State st : states(protocol)) {
            sb.append(sb.length() > 0 ? ", " : "").append(st.name());
        }
        return sb.toString();
    }

    /**
     * The policy by the settings conntrack4j's trackers read for each state ({@code nf_conntrack_udp_timeout} for
     * {@code unreplied}, ...), in seconds.
     */
    public Map<String, Long> bySetting() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (State st : states(protocol)) {
            m.put(st.setting(), timeouts.get(st.name()));
        }
        return m;
    }

    /**
     * The timeout, in seconds, of the state the kernel keeps first in the policy ({@code values[0]}: tcp's syn_sent,
     * udp's unreplied), which {@code ct timeout set} gives the new connection at once.
     */
    public long firstStateSeconds() {
        return timeouts.get(states(protocol).get(0).name());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CtTimeoutObject t && t.name.equals(name) && t.protocol == protocol && t.l3proto == l3proto
                && t.timeouts.equals(timeouts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, protocol, l3proto, timeouts);
    }

    @Override
    public void format(StringBuilder sb, String indent) {
        sb.append(indent).append("ct timeout ").append(name).append(" {\n");
        sb.append(indent).append("\tprotocol ").append(Symbols.protocolName(protocol)).append('\n');
        sb.append(indent).append("\tl3proto ").append(l3proto.keyword()).append('\n');
        sb.append(indent).append("\tpolicy = { ");
        boolean first = true;
        for (State st : states(protocol)) {
            long v = timeouts.get(st.name());
            if (v == st.defaultSeconds()) {
                continue;
            }
            sb.append(first ? "" : ", ").append(st.name()).append(" : ").append(v);
            first = false;
        }
        sb.append(first ? "}" : " }").append('\n');
        sb.append(indent).append('}');
    }

    @Override
    public String toString() {
        return TableObject.text(this);
    }
}
