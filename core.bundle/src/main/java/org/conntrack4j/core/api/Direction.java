package org.conntrack4j.core.api;

/** The two directions of a connection ({@code IP_CT_DIR_*}). */
public final class Direction {
    public static final int ORIGINAL = 0;
    public static final int REPLY = 1;

    private Direction() {
    }

    public static String name(int dir) {
        return dir == ORIGINAL ? "original" : "reply";
    }
}
