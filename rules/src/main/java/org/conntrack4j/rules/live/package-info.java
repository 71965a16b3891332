/** The ruleset in force in the live engine: configuration and the {@code nft:*} shell commands. Private. */
package org.conntrack4j.rules.live;
