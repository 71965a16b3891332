/**
 * The nftables subset as a typed syntax tree ({@link org.conntrack4j.rules.nft.Ruleset} and its parts) and its
 * parser ({@link org.conntrack4j.rules.nft.NftParser}). Printing a node gives the text {@code nft list ruleset}
 * prints for it; {@link org.conntrack4j.rules.nft.NftJson} writes a ruleset as {@code nft -j list ruleset} does
 * (since 1.3).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.conntrack4j.rules.nft;
