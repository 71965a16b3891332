package org.conntrack4j.core.spi;

import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Registration;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A module that attaches itself to every engine instance (Linux's {@code pernet_operations}): NAT registers
 * its hook functions and its per-engine state this way. Registered as a service; the core calls
 * {@link #attach} for every existing and future engine, and closes the returned registration when the
 * engine closes or the extension leaves. Closing must undo everything {@code attach} did, including
 * destroying connections that depend on the extension.
 */
@ConsumerType
public interface NetExtension {
    /** Service property: a name for listings ({@code nat}). */
    String NAME = "conntrack.extension.name";

    Registration attach(Conntrack net);
}
