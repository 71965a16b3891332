package org.conntrack4j.sync.api;

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
}
