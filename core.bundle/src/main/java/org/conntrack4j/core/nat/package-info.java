/**
 * The NAT interface of an engine (Linux's {@code nf_nat_hook}, {@code nf_nat_setup_info} and the NAT helper
 * functions): {@link org.conntrack4j.core.nat.Nat}, with its binding ranges ({@link org.conntrack4j.core.nat.NatRange},
 * immutable data) and manipulation types ({@link org.conntrack4j.core.nat.NatManip}).
 *
 * <p>Who implements what: {@code Nat} is {@code @ProviderType}, implemented by the NAT bundle, which attaches it to
 * each engine as an extension ({@code net.services().extension(Nat.class)}, null while NAT is not installed). Rule
 * sets (masquerade, snat, dnat, redirect) register their NAT chains with it; helpers call it to rewrite payloads
 * and to make expected connections follow their master's binding.
 *
 * <p>Threading: any thread; the packet methods belong to the thread processing the packet and connection they are
 * given. Departure: when NAT leaves (its bundle stops, or the engine closes), connections with a binding are
 * destroyed, chains cannot be registered any more and the binding methods do nothing; a holder of the {@code Nat}
 * object should look it up again rather than keep it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.conntrack4j.core.nat;
