package org.conntrack4j.core.impl;

import java.util.function.BiConsumer;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.spi.Helper;

/**
 * The engine's expectation: a copy of the helper's {@link ExpectationRequest} made at insertion, plus what the
 * engine adds (deadline, id, liveness). Everything but {@code live}, {@code flags} and {@code deadline} is written
 * before the entry is published in the expectation table and never after; those three change under the table's
 * monitor and are read without it (a helper refreshing its expectation: SIP's registrations).
 */
final class ExpectEntry implements Expectation {
    private final ConnEntry master;
    /** The engine's own tuple: never handed out (see {@link #tuple()}). */
    final Tuple tuple;
    private final long maskSrcHi;
    private final long maskSrcLo;
    private final int maskSrcPort;
    private final int cls;
    private volatile int flags;
    private final Helper helper;
    private final Helper assignHelper;
    private final BiConsumer<Connection, Expectation> expectFn;
    private final long savedAddrHi;
    private final long savedAddrLo;
    private final int savedProto;
    private final int dir;
    private volatile long deadline;
    private final int id;
    private volatile boolean live;

    ExpectEntry(ExpectationRequest r, ConnEntry master, Helper helper, long deadline, int id) {
        this.master = master;
        this.tuple = r.tuple();
        this.maskSrcHi = r.maskSrcHi();
        this.maskSrcLo = r.maskSrcLo();
        this.maskSrcPort = r.maskSrcPort();
        this.cls = r.expectClass();
        this.flags = r.flags();
        this.helper = helper;
        this.assignHelper = r.assignHelper();
        this.expectFn = r.expectFn();
        this.savedAddrHi = r.savedAddrHi();
        this.savedAddrLo = r.savedAddrLo();
        this.savedProto = r.savedProto();
        this.dir = r.dir();
        this.deadline = deadline;
        this.id = id;
    }

    /** {@code nf_ct_tuple_mask_cmp} against raw fields: the destination and protocol exact, the source masked. */
    static boolean matches(Tuple x, long mHi, long mLo, int mPort, Tuple t) {
        return t.family == x.family && t.proto == x.proto && t.dstHi == x.dstHi && t.dstLo == x.dstLo
            && t.dstPort == x.dstPort && ((t.srcHi ^ x.srcHi) & mHi) == 0 && ((t.srcLo ^ x.srcLo) & mLo) == 0
            && ((t.srcPort ^ x.srcPort) & mPort) == 0;
    }

    @Override
    public boolean matches(Tuple t) {
        return matches(tuple, maskSrcHi, maskSrcLo, maskSrcPort, t);
    }

    /** Same tuple and mask as the request ({@code expect_matches}). */
    boolean sameAs(ExpectationRequest r) {
        Tuple t = r.tuple();
        return tuple.sameAs(t) && maskSrcHi == r.maskSrcHi() && maskSrcLo == r.maskSrcLo()
            && maskSrcPort == r.maskSrcPort();
    }

    @Override
    public Tuple tuple() {
        return new Tuple().copyFrom(tuple);
    }

    @Override
    public long maskSrcHi() {
        return maskSrcHi;
    }

    @Override
    public long maskSrcLo() {
        return maskSrcLo;
    }

    @Override
    public int maskSrcPort() {
        return maskSrcPort;
    }

    @Override
    public ConnEntry master() {
        return master;
    }

    @Override
    public int expectClass() {
        return cls;
    }

    @Override
    public int flags() {
        return flags;
    }

    @Override
    public Helper helper() {
        return helper;
    }

    @Override
    public Helper assignHelper() {
        return assignHelper;
    }

    @Override
    public BiConsumer<Connection, Expectation> expectFn() {
        return expectFn;
    }

    @Override
    public long savedAddrHi() {
        return savedAddrHi;
    }

    @Override
    public long savedAddrLo() {
        return savedAddrLo;
    }

    @Override
    public int savedProto() {
        return savedProto;
    }

    @Override
    public int dir() {
        return dir;
    }

    @Override
    public long deadline() {
        return deadline;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public boolean isLive() {
        return live;
    }

    void setLive(boolean l) {
        live = l;
    }

    /** A new deadline, and flags cleared; under the table's monitor. */
    void refresh(long newDeadline, int clearFlags) {
        deadline = newDeadline;
        flags &= ~clearFlags;
    }

    @Override
    public String toString() {
        return "Expectation[" + tuple + " master=" + Integer.toUnsignedString(master.id()) + " class=" + cls + "]";
    }
}
