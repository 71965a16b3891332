package org.conntrack4j.core.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The core's tracker for every protocol that has none of its own ({@code nf_conntrack_l4proto_generic}): the tuple
 * is the addresses and the protocol number only. Recognise it by type ({@code t instanceof GenericTracker}), never
 * by its name. Implemented by the core only; plug-ins never register one.
 */
@ProviderType
public interface GenericTracker extends L4Tracker {
}
