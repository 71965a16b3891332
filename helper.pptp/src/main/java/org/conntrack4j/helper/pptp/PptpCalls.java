package org.conntrack4j.helper.pptp;

import java.util.function.BiConsumer;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.Direction;
import org.conntrack4j.core.api.Expectation;
import org.conntrack4j.core.api.ExpectationRequest;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.proto.gre.keymap.GreKeymap;

/**
 * A call's GRE connections: expecting them when the PAC accepts the call ({@code exp_gre}), what happens when the
 * first one comes ({@code pptp_expectfn}), and destroying them when the call or the session ends
 * ({@code pptp_destroy_siblings}).
 *
 * <p>A call has one GRE connection, expected from both ends: PNS to PAC with the PNS's call ID as source key and
 * the PAC's as destination key, and the reverse; whichever comes first is the connection, the other expectation is
 * removed. The GRE packets carry only the receiver's call ID, so the two tuples also go into the GRE tracker's key
 * map, which gives each packet its source key.
 */
final class PptpCalls {
    /** The expectation class of both expectations ({@code NF_CT_EXPECT_CLASS_DEFAULT}). */
    private static final int CLASS_DEFAULT = 0;

    private final PptpCounters counters;
    private final BiConsumer<Connection, Expectation> expected = this::expected;

    PptpCalls(PptpCounters counters) {
        this.counters = counters;
    }

    /**
     * {@code exp_gre}: expects the call's GRE connection both ways, {@code callId} being the PAC's call ID and
     * {@code peerCallId} the PNS's (as the PAC knows it), and maps the two tuples in the key map. Behind NAT the
     * expectations are moved to the keys the packets will have ({@link PptpNat#expectGre}). As in Linux, a failed
     * insertion or a key map that refuses the tuples removes what was inserted; the message still passes.
     * Called under the master's monitor.
     */
    void expectGre(Conntrack net, Connection ct, PptpMaster info, int callId, int peerCallId) {
        int o = Direction.ORIGINAL;
        int r = Direction.REPLY;
        ExpectationRequest orig = request(ct, o, peerCallId, callId);
        ExpectationRequest reply = request(ct, r, callId, peerCallId);
        Nat nat = net.services().extension(Nat.class);
        if (nat != null && ct.hasStatus(Status.NAT_MASK)) {
            orig = PptpNat.expectGre(ct, info, o, expected);
            reply = PptpNat.expectGre(ct, info, r, expected);
        }
        if (net.services().expectRelated(orig) != 0) {
            counters.expectFailed.increment();
            return;
        }
        if (net.services().expectRelated(reply) != 0) {
            counters.expectFailed.increment();
            net.services().unexpectRelated(orig);
            return;
        }
        GreKeymap keymap = net.services().extension(GreKeymap.class);
        boolean mapped = false;
        if (keymap != null && keymap.add(ct, o, orig.tuple()) != GreKeymap.TAKEN) {
            if (keymap.add(ct, r, reply.tuple()) != GreKeymap.TAKEN) {
                mapped = true;
            } else {
                // Linux 6.18 drops the call's other entry too when the second one is refused
                keymap.destroy(ct);
            }
        }
        if (!mapped) {
            // without the key map the expected packets would never carry the keys: no expectation either
            counters.expectFailed.increment();
            net.services().unexpectRelated(reply);
            net.services().unexpectRelated(orig);
        }
    }

    /** The expectation of the call's GRE in direction {@code dir} of the control connection, with these keys. */
    private ExpectationRequest request(Connection ct, int dir, int srcKey, int dstKey) {
        return gre(ct, ct.srcHi(dir), ct.srcLo(dir), ct.dstHi(dir), ct.dstLo(dir), srcKey, dstKey).expectFn(expected);
    }

    /** An expectation request of {@code master} for the exact GRE tuple given (every field compared). */
    static ExpectationRequest gre(Connection master, long srcHi, long srcLo, long dstHi, long dstLo, int srcKey,
        int dstKey) {
        return new ExpectationRequest(master).init(CLASS_DEFAULT, master.family(), new long[] {srcHi, srcLo},
            new long[] {dstHi, dstLo}, IpProto.GRE, srcKey, dstKey);
    }

    /**
     * {@code pptp_expectfn}: the call's first GRE packet made its connection {@code ct}. Behind NAT the connection
     * is bound to the translated addresses and keys ({@link PptpNat#expected}); otherwise the other direction's
     * expectation, the inverse of the one that matched, is removed. (Linux also raises the GRE timeouts here, to
     * 10 minutes and 5 hours, but the GRE tracker sets them again on the connection's first packet: 30 and 180 s
     * are what it keeps.)
     */
    private void expected(Connection ct, Expectation exp) {
        Connection master = ct.master();
        if (master == null) {
            return;
        }
        Conntrack net = ct.net();
        Nat nat = net.services().extension(Nat.class);
        if (nat != null && master.hasStatus(Status.NAT_MASK)) {
            PptpNat.expected(nat, ct, exp);
            return;
        }
        Tuple t = exp.tuple();
        net.services().unexpectRelated(gre(master, t.dstHi, t.dstLo, t.srcHi, t.srcLo, t.dstPort, t.srcPort));
    }

    /**
     * {@code pptp_destroy_siblings}: removes the master's key map entries, then for each direction of the control
     * connection destroys the GRE connection with the call's tuple of that direction, or else the expectation of it.
     * Behind masquerade the original direction's tuple names the PNS's rewritten call ID, which the GRE connection
     * does not have: only the reply direction finds it, as in Linux.
     */
    void destroySiblings(Conntrack net, Connection ct, int pnsCallId, int pacCallId) {
        GreKeymap keymap = net.services().extension(GreKeymap.class);
        if (keymap != null) {
            keymap.destroy(ct);
        }
        int o = Direction.ORIGINAL;
        int r = Direction.REPLY;
        destroySiblingOrExpectation(net, ct,
            gre(ct, ct.srcHi(o), ct.srcLo(o), ct.dstHi(o), ct.dstLo(o), pnsCallId, pacCallId));
        destroySiblingOrExpectation(net, ct,
            gre(ct, ct.srcHi(r), ct.srcLo(r), ct.dstHi(r), ct.dstLo(r), pacCallId, pnsCallId));
    }

    /** {@code destroy_sibling_or_exp}: the connection with this tuple (either direction) is killed, else the expectation. */
    private static void destroySiblingOrExpectation(Conntrack net, Connection ct, ExpectationRequest req) {
        Connection sibling = net.services().find(req.tuple(), ct.zone());
        if (sibling != null) {
            net.packets().kill(sibling);
            return;
        }
        net.services().unexpectRelated(req);
    }
}
