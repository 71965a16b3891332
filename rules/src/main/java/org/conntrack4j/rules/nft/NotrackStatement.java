package org.conntrack4j.rules.nft;

/** {@code notrack}: the packet is not tracked by conntrack (its ct state becomes untracked). */
public record NotrackStatement() implements Statement {
    @Override
    public String toString() {
        return "notrack";
    }
}
