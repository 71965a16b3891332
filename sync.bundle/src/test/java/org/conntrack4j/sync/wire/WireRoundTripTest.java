package org.conntrack4j.sync.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HexFormat;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTuple;
import org.junit.jupiter.api.Test;

/**
 * The attributes the recordings cannot show (Linux 6.18 has no DCCP; no sequence adjustment, SYN proxy,
 * IPv6 DNAT or IPv6 expectation happened there): their layout as build.c writes it, and the way back.
 */
class WireRoundTripTest {
    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static SyncConnection roundTrip(SyncConnection c, NtaCt.Options o) {
        MessageBuilder m = new MessageBuilder().start(Wire.T_CT_UPD, 0, 7);
        assertTrue(NtaCt.encode(c, o, m));
        return NtaCt.decode(m.buffer(), 0, m.length());
    }

    @Test
    void everyConnectionAttributeComesBack() throws Exception {
        SyncTuple t = new SyncTuple(ip("2001:db8:1::2"), ip("2001:db8:2::2"), 33, 5000, 6000);
        SyncConnection c = SyncConnection.builder(t).status(0x1bc).dccp(new SyncConnection.Dccp(4, 1))
                .timeout(1200L).mark(0xfffffffeL).zone(65535).master(new SyncTuple(ip("2001:db8:1::2"),
                        ip("2001:db8:2::2"), 6, 40000, 21))
                .snatAddress(ip("2001:db8:2::1")).dnatAddress(ip("2001:db8:2::9")).snatPort(61000).dnatPort(8080)
                .seqAdj(new SyncConnection.SeqAdj(100, 0, 2, 200, 1, 3)).helper("ftp-20")
                .labels(SyncConnection.Labels.of(0, 63, 127)).synproxy(new SyncConnection.Synproxy(1, 2, 3)).build();
        assertEquals(c, roundTrip(c, NtaCt.Options.DEFAULT));
        SyncTuple s = new SyncTuple(ip("198.51.100.2"), ip("203.0.113.2"), 132, 4000, 5000);
        SyncConnection sctp = SyncConnection.builder(s).sctp(new SyncConnection.Sctp(4, 0xdeadbeefL, 1L)).build();
        assertEquals(sctp, roundTrip(sctp, NtaCt.Options.DEFAULT));
    }

    @Test
    void layoutOfTheAttributesNotRecorded() throws Exception {
        SyncTuple t = new SyncTuple(ip("192.0.2.1"), ip("192.0.2.2"), 6, 1, 2);
        SyncConnection c = SyncConnection.builder(t).tcp(new SyncConnection.Tcp(3, 7, 2))
                .seqAdj(new SyncConnection.SeqAdj(1, 2, 3, 4, 5, 6)).synproxy(new SyncConnection.Synproxy(7, 8, 9))
                .build();
        MessageBuilder m = new MessageBuilder().start(Wire.T_CT_NEW, 0, 0x01020304);
        NtaCt.encode(c, new NtaCt.Options(false, false), m);
        String hex = HexFormat.of().formatHex(m.bytes());
        assertEquals("1000006001020304"
                + "000c0000c0000201c0000202" // IPV4
                + "0008000500000000" // STATUS
                + "0005000206000000" // L4PROTO, padded
                + "0008000300010002" // PORT
                + "0005000403000000" // TCP_STATE; no window scales without TCPWindowTracking
                + "001c0010000000010000000200000003000000040000000500000006" // NAT_SEQ_ADJ
                + "0010001f000000080000000700000009", // SYNPROXY: its, isn, tsoff
                hex);
    }

    @Test
    void ipv6ExpectationComesBackAndItsNatTravelsWithoutAddresses() throws Exception {
        SyncTuple master = new SyncTuple(ip("2001:db8:1::2"), ip("2001:db8:2::2"), 6, 40000, 21);
        SyncExpectation e = new SyncExpectation(master, new SyncTuple(ip("2001:db8:1::2"), ip("2001:db8:2::2"), 6,
                0, 50000), new SyncTuple(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
                        ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 6, 0, 0xffff),
                300L, SyncExpectation.NF_CT_EXPECT_PERMANENT, 1L, null, 0, "ftp", "nat-follow-master");
        MessageBuilder m = new MessageBuilder().start(Wire.T_EXP_NEW, 0, 1);
        assertTrue(NtaExp.encode(e, NtaCt.Options.DEFAULT, m));
        assertEquals(e, NtaExp.decode(m.buffer(), 0, m.length()));
        SyncExpectation nat = new SyncExpectation(master, e.expected(), e.mask(), null, 0, null,
                new SyncTuple(ip("2001:db8:9::1"), ip("2001:db8:9::2"), 6, 1, 2), 1, null, null);
        m.start(Wire.T_EXP_NEW, 0, 2);
        NtaExp.encode(nat, NtaCt.Options.DEFAULT, m);
        SyncExpectation back = NtaExp.decode(m.buffer(), 0, m.length());
        assertEquals(new SyncTuple(ip("::"), ip("::"), 6, 1, 2), back.nat());
        assertEquals(1, back.natDir());
    }

    @Test
    void windowScalesTravelOnlyWithTcpWindowTrackingAndTimeoutOnlyWithoutCommitTimeout() throws Exception {
        SyncTuple t = new SyncTuple(ip("192.0.2.1"), ip("192.0.2.2"), 6, 1, 2);
        SyncConnection c = SyncConnection.builder(t).tcp(new SyncConnection.Tcp(3, 7, 2)).timeout(10L).build();
        assertEquals(c, roundTrip(c, new NtaCt.Options(true, true)));
        SyncConnection plain = roundTrip(c, new NtaCt.Options(false, false));
        assertEquals(new SyncConnection.Tcp(3, null, null), plain.tcp());
        assertEquals(null, plain.timeout());
    }
}
