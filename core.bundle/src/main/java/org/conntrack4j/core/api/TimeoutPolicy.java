package org.conntrack4j.core.api;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A timeout policy ({@code struct nf_ct_timeout}, what an nftables {@code ct timeout} object or
 * {@code nfct timeout} creates): for one L4 protocol, the timeout of each tracker state, in seconds. A connection
 * given a policy ({@link PluginServices#setTimeoutPolicy}) keeps it for life, as Linux's timeout extension does; its
 * tracker then takes every state timeout from the policy instead of the settings ({@link PluginServices#timeout}).
 *
 * <p>States are named by the setting that holds their default ({@code nf_conntrack_udp_timeout},
 * {@code nf_conntrack_tcp_timeout_established}, ...): a tracker asks for the key it would read from the settings. A
 * policy should name every state of its protocol, as Linux's does (nft fills the states it is not given with its
 * own defaults, not the current settings); a state it does not name falls back to the setting.
 *
 * <p>Immutable; identity matters: {@link PluginServices#clearTimeoutPolicy} detaches the very object given
 * ({@code nf_ct_untimeout} when the nftables object is deleted). {@link #seconds(SettingKey)} allocates nothing.
 *
 * @since 2.1
 */
public final class TimeoutPolicy {
    private final String name;
    private final int family;
    private final int protocol;
    private final String[] names;
    private final int[] hashes;
    private final long[] seconds;

    private TimeoutPolicy(String name, int family, int protocol, Map<String, Long> states) {
        this.name = name;
        this.family = family;
        this.protocol = protocol;
        int n = states.size();
        names = new String[n];
        hashes = new int[n];
        seconds = new long[n];
        int i = 0;
        for (Map.Entry<String, Long> e : states.entrySet()) {
            names[i] = e.getKey();
            hashes[i] = e.getKey().hashCode();
            seconds[i] = e.getValue();
            i++;
        }
    }

    /**
     * A policy named {@code name} (for listings) for {@code protocol} over {@code family} ({@link Family#IPV4},
     * {@link Family#IPV6}, or 0 for both), with the state timeouts {@code states} (setting name to seconds, 0 to
     * 2^31-1). Throws IllegalArgumentException for a bad protocol, family or value.
     */
    public static TimeoutPolicy of(String name, int family, int protocol, Map<String, Long> states) {
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("protocol " + protocol);
        }
        if (family != 0 && family != Family.IPV4 && family != Family.IPV6) {
            throw new IllegalArgumentException("family " + family);
        }
        for (Map.Entry<String, Long> e : states.entrySet()) {
            if (e.getKey() == null || e.getValue() == null || e.getValue() < 0 || e.getValue() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + ": timeout " + e.getKey() + " = " + e.getValue());
            }
        }
        return new TimeoutPolicy(name == null ? "" : name, family, protocol, new LinkedHashMap<>(states));
    }

    public String name() {
        return name;
    }

    /** {@link Family#IPV4}, {@link Family#IPV6}, or 0 for both. */
    public int family() {
        return family;
    }

    /** The L4 protocol number. */
    public int protocol() {
        return protocol;
    }

    /** The policy's timeout for the state whose setting is {@code state}, in seconds, or -1 if it names none. */
    public long seconds(SettingKey state) {
        String n = state.name();
        int h = n.hashCode();
        for (int i = 0; i < names.length; i++) {
            if (hashes[i] == h && names[i].equals(n)) {
                return seconds[i];
            }
        }
        return -1;
    }

    /** The states and their timeouts in seconds, in the order given. */
    public Map<String, Long> states() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], seconds[i]);
        }
        return m;
    }

    @Override
    public String toString() {
        return "TimeoutPolicy[" + name + " " + IpProto.ctName(protocol) + " " + Arrays.toString(names) + "="
            + Arrays.toString(seconds) + "]";
    }
}
