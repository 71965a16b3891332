/**
 * The GRE tracker's key map ({@link org.conntrack4j.proto.gre.keymap.GreKeymap}), Linux's
 * {@code nf_ct_gre_keymap_add} / {@code nf_ct_gre_keymap_destroy}: the PPTP helper tells the GRE tracker which
 * source key a call's enhanced GRE packets stand for, since the packets carry only the receiver's call ID.
 *
 * <p>Who implements what: {@code GreKeymap} is {@code @ProviderType}, implemented by the GRE tracker bundle, one
 * object per engine, attached as an engine extension ({@code net.services().extension(GreKeymap.class)}; null while
 * the GRE tracker bundle is not running). A helper (PPTP's) only calls it.
 *
 * <p>Threading: any thread. Lookups take no lock and allocate nothing; changes take the map's own lock, a leaf of
 * the engine's lock order (nothing is called while it is held).
 *
 * <p>Departure: when the GRE tracker bundle stops, the map leaves every engine with its entries; a holder must
 * look it up again rather than keep it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.conntrack4j.proto.gre.keymap;
