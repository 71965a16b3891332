package org.conntrack4j.core.spi;

import java.util.List;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.api.SettingKey;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A module that attaches itself to every engine instance (Linux's {@code pernet_operations}): NAT registers
 * its hook functions and its per-engine state this way. Registered as a service (its name for listings in
 * {@link #NAME}, set by {@link ExtensionService}); the core calls {@link #attach} for every existing and future
 * engine, and closes the returned registration when the engine closes or the extension leaves. Closing must undo
 * everything {@code attach} did, including destroying connections that depend on the extension.
 *
 * <p>Threading: {@code attach} and the close of its registration are called with no engine lock held, from the
 * thread that created or closed the engine or registered or unregistered the extension; an engine may be created
 * while another attach runs.
 */
@ConsumerType
public interface NetExtension {
    /** Service property: a name for listings ({@code nat}). */
    String NAME = "conntrack.extension.name";

    Registration attach(Conntrack net);

    /** The settings this extension reads; listed and settable while it is registered. None by default. */
    default List<SettingKey> settings() {
        return List.of();
    }
}
