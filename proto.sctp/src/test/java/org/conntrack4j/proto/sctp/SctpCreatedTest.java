package org.conntrack4j.proto.sctp;

import static org.conntrack4j.proto.sctp.SctpLab.CTAG;
import static org.conntrack4j.proto.sctp.SctpLab.STAG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.NewConnection;
import org.conntrack4j.core.api.ProtoInfo;
import org.conntrack4j.core.api.Status;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.inet.Addr;
import org.junit.jupiter.api.Test;

/**
 * SCTP connections administration inserts with their state ({@code nlattr_to_sctp}: a state synchronisation's commit)
 * and reports ({@code sctp_to_nlattr}): the state and both verification tags, which the association's packets must
 * then carry.
 */
class SctpCreatedTest {
    private static NewConnection association(SctpLab lab, ProtoInfo info) {
        Tuple t = new Tuple().ipv4(Addr.parseV4("198.51.100.10"), Addr.parseV4("203.0.113.10"));
        t.proto = IpProto.SCTP;
        t.srcPort = lab.cport;
        t.dstPort = SctpLab.SPORT;
        return NewConnection.of(t, 300).withStatus(Status.SEEN_REPLY | Status.ASSURED).withProtoInfo(info);
    }

    @Test
    void anEstablishedAssociationTakesItsTagsAndReportsThem() {
        SctpLab lab = new SctpLab();
        // packets of the original direction carry the server's tag, replies the client's
        assertEquals(NewConnection.CREATED, lab.net.table().create(association(lab,
            ProtoInfo.state(SctpStateTable.ESTABLISHED).withSctpVtags(STAG, CTAG))));
        assertEquals("established/original", lab.client(STAG, SctpLab.data(1000, 20)).toString());
        assertEquals("established/reply", lab.server(CTAG, SctpLab.sack(1000)).toString());
        assertTrue(lab.client(0x1234, SctpLab.data(1001, 20)).toString().startsWith("invalid"),
            "a packet with another tag is not the association's");
        Connection ct = lab.net.table().connections(null).get(0);
        ProtoInfo back = lab.tracker.protoInfo(ct);
        assertEquals(SctpStateTable.ESTABLISHED, back.state());
        assertEquals(STAG, back.sctpVtag(0));
        assertEquals(CTAG, back.sctpVtag(1));
    }

    @Test
    void aStateSctpDoesNotHaveOrMissingTagsAreRefused() {
        SctpLab lab = new SctpLab();
        assertEquals(NewConnection.INVALID, lab.net.table().create(association(lab,
            ProtoInfo.state(SctpStateTable.STATES).withSctpVtags(STAG, CTAG))));
        assertEquals(NewConnection.INVALID, lab.net.table().create(association(lab,
            ProtoInfo.state(SctpStateTable.ESTABLISHED))));
        assertEquals(0, lab.net.table().count());
    }
}
