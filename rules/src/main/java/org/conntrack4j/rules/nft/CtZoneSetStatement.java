package org.conntrack4j.rules.nft;

/**
 * {@code ct zone set N}, {@code ct original zone set N}, {@code ct reply zone set N}: the zone the packet's connection
 * is looked up and created in, for both directions or one ({@code direction} 0 original, 1 reply, -1 both). Only a
 * packet conntrack has not seen yet takes it (a raw-priority chain), as Linux's template does.
 *
 * @since 1.2
 */
public record CtZoneSetStatement(int direction, int zone) implements Statement {
    public CtZoneSetStatement {
        if (direction < -1 || direction > 1 || zone < 0 || zone > 0xffff) {
            throw new IllegalArgumentException("ct zone set: direction " + direction + ", zone " + zone);
        }
    }

    @Override
    public String toString() {
        return "ct " + (direction < 0 ? "" : direction == 0 ? "original " : "reply ") + "zone set " + zone;
    }
}
