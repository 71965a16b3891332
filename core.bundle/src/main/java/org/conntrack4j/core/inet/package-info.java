/**
 * Header utilities shared by the core and plug-ins, all stateless and thread-safe, none allocating on the
 * packet path unless it returns text: addresses in the two-long form of {@link org.conntrack4j.core.api.Tuple}
 * and their text ({@link org.conntrack4j.core.inet.Addr}), Internet checksums and their incremental updates
 * ({@link org.conntrack4j.core.inet.Checksum}), the IP layer's own checks before the first hook
 * ({@link org.conntrack4j.core.inet.IpHeaders}) and the one IPv6 extension header walk
 * ({@link org.conntrack4j.core.inet.Ipv6Headers}).
 *
 * <p>Provided by the core bundle; plain classes with static methods, nothing to implement or register. Nothing
 * here keeps state, so there is nothing to clean up when a user leaves. A fix to a header rule (one that
 * follows the kernel more closely) is a change of this package alone; its version moves independently of
 * {@code org.conntrack4j.core.api}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.conntrack4j.core.inet;
