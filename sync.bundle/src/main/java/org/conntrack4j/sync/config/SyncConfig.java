package org.conntrack4j.sync.config;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.conntrack4j.sync.cache.CtFilter;

/**
 * The settings of one sync node, as conntrackd's {@code struct ct_conf} after {@code init_config}: every
 * default is conntrackd 1.4.7's. Built by {@link ConfParser} (or directly by tests and the engine
 * integration), then read only.
 */
public final class SyncConfig {
    public enum Mode { FTFW, NOTRACK, ALARM }

    public enum LinkType { MULTICAST, UDP, TCP }

    /** One dedicated link (a Multicast, UDP or TCP block). */
    public static final class Link {
        public LinkType type;
        public boolean isDefault;
        /** 4 or 6, from the address options. */
        public int family;
        /** Multicast: the group address; UDP/TCP: our address (IPv4_address / IPv6_address). */
        public InetAddress address;
        /** UDP/TCP: the peer (IPv4_Destination_Address / IPv6_Destination_Address). */
        public InetAddress destination;
        /** Multicast over IPv4: the address of the interface to send from (IPv4_interface). */
        public InetAddress interfaceAddress;
        public String iface;
        /** Port (UDP, TCP) or Group (Multicast). */
        public int port;
        public int sndbuf;
        public int rcvbuf;
        public boolean checksum = true;
        public int line;

        /** conntrackd's per-channel header size: what is left of the MTU for sync messages. */
        public int headerSize() {
            return type == LinkType.TCP ? 40 : 28;
        }
    }

    public Mode mode = Mode.FTFW;
    public boolean modeGiven;
    public int refreshTime = 60;
    public int cacheTimeout = 180;
    public int commitTimeout;
    public int purgeTimeout = 60;
    public int resendQueueSize = 131072;
    public int windowSize = 300;
    public boolean startupResync;
    public boolean disableInternalCache;
    public boolean disableExternalCache;
    public boolean tcpWindowTracking;
    public boolean expectationSync;
    /** ExpectationSync { names }: helpers whose expectations are synced (empty: all). */
    public final List<String> expectHelpers = new ArrayList<>();
    public int hashSize = 65536;
    public int hashLimit = 262144;
    public int errorQueueLength = 128;
    public int eventIterationLimit = 100;
    public final List<Link> links = new ArrayList<>();
    /** The Filter block (null: no filtering). */
    public CtFilter filter;
    public boolean filterFromKernelspace;
    /** Warnings about options that mean nothing here, each naming its line. */
    final List<String> warnings = new ArrayList<>();

    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    /** @return the link that starts as the active one: the Default, else the first */
    public int defaultLink() {
        for (int i = 0; i < links.size(); i++) {
            if (links.get(i).isDefault) {
                return i;
            }
        }
        return 0;
    }
}
