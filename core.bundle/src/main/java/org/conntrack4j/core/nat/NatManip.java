package org.conntrack4j.core.nat;

import org.conntrack4j.core.api.Hook;

/** Which side of a connection a NAT binding changes ({@code enum nf_nat_manip_type}). */
public final class NatManip {
    /** Source NAT: done at POST_ROUTING and LOCAL_IN. */
    public static final int SRC = 0;
    /** Destination NAT: done at PRE_ROUTING and LOCAL_OUT. */
    public static final int DST = 1;

    private NatManip() {
    }

    /** {@code HOOK2MANIP}: the manipulation a hook performs. */
    public static int ofHook(int hook) {
        return hook == Hook.POST_ROUTING || hook == Hook.LOCAL_IN ? SRC : DST;
    }
}
