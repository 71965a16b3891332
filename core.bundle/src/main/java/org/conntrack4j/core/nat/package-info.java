/**
 * The NAT interface of the engine (Linux's {@code nf_nat_hook}, {@code nf_nat_setup_info} and the NAT
 * helper functions): provided by the NAT bundle to each engine as an extension
 * ({@code Conntrack.extension(Nat.class)}), used by rule sets (masquerade, snat, dnat, redirect) and by
 * helpers that rewrite payloads. Null when NAT is not installed.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.conntrack4j.core.nat;
