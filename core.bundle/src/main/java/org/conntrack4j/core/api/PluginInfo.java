package org.conntrack4j.core.api;

/**
 * A registered plug-in as listings show it: what it serves ({@code tcp}, protocol 6, {@code ipv4,ipv6}), from
 * which bundle, and whether it is the one in use or waiting behind a higher-ranked one.
 */
public final class PluginInfo {
    private final String name;
    private final int protocol;
    private final String families;
    private final String bundle;
    private final long serviceId;
    private final int ranking;
    private final boolean active;

    public PluginInfo(String name, int protocol, String families, String bundle, long serviceId, int ranking,
        boolean active) {
        this.name = name;
        this.protocol = protocol;
        this.families = families;
        this.bundle = bundle;
        this.serviceId = serviceId;
        this.ranking = ranking;
        this.active = active;
    }

    public String name() {
        return name;
    }

    /** L4 protocol number, or -1 where it does not apply. */
    public int protocol() {
        return protocol;
    }

    public String families() {
        return families;
    }

    /** {@code symbolic-name version} of the providing bundle, or {@code core}. */
    public String bundle() {
        return bundle;
    }

    public long serviceId() {
        return serviceId;
    }

    public int ranking() {
        return ranking;
    }

    public boolean active() {
        return active;
    }

    @Override
    public String toString() {
        return name + (protocol >= 0 ? " proto=" + protocol : "") + " [" + families + "] from " + bundle
            + (active ? "" : " (standby)");
    }
}
