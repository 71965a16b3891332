package org.conntrack4j.rules.nft;

/** Base chain policy: the verdict for packets that reach the end of the chain. */
public enum Policy {
    ACCEPT("accept"),
    DROP("drop");

    private final String keyword;

    Policy(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }

    @Override
    public String toString() {
        return keyword;
    }
}
