package org.conntrack4j.sync.api;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A sync node running on the live engine, registered as a service while its configuration
 * ({@value #PID}, property {@value #CONF}: a conntrackd.conf) is there. The {@code sync:*} commands act on it; the
 * live router's {@code --sync FILE} makes that configuration and waits for this service.
 *
 * @since 1.1
 */
@ProviderType
public interface SyncControl {
    /** The Configuration Admin PID of the sync node. */
    String PID = "org.conntrack4j.sync";
    /** Configuration property: the path of the conntrackd.conf to run. */
    String CONF = "conf";
    /** Configuration property: an opaque token the configuration's maker looks for in {@link #token()}. */
    String TOKEN = "sync.token";

    /** @return the {@value #TOKEN} of the configuration this node runs from, or null */
    String token();

    /** @return why the node does not run (a line naming the file and line of a bad conntrackd.conf), or null */
    String error();

    /** @return one line saying what runs: mode and links */
    String describe();

    /**
     * The node's figures by name, as {@code conntrackd -s} shows them: {@code internal_*} (the internal cache:
     * {@code active}, {@code created}, {@code create_failed}, {@code updated}, {@code update_failed}, {@code destroyed},
     * {@code destroy_failed}; {@code bypass_new|updated|destroyed} without one), {@code external_*} likewise
     * ({@code inject_*} without one), {@code link_bytes|messages|errors_sent|received} of the current link,
     * {@code messages_malformed}, {@code messages_lost}, and {@code events_overrun} (engine events the node's inbox
     * had no room for). Names ending in {@code _active} are current sizes; every other value counts since the node
     * started. Empty when no node runs, or when the node did not answer within a second.
     *
     * @since 1.2
     */
    default Map<String, Long> counters() {
        return Map.of();
    }
}
