package org.conntrack4j.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class NamesTest {
    private static final List<String> SETTINGS = List.of("nf_conntrack_max", "nf_conntrack_tcp_loose",
        "nf_conntrack_tcp_be_liberal", "ipfrag_time", "ipfrag_high_thresh");

    @Test
    void sysctlsAreSpelledAsLinuxSpellsThem() {
        assertEquals("net.ipv4.ipfrag_time", Names.sysctl("ipfrag_time"));
        assertEquals("net.ipv4.ipfrag_high_thresh", Names.sysctl("ipfrag_high_thresh"));
        assertEquals("net.netfilter.nf_conntrack_max", Names.sysctl("nf_conntrack_max"));
        assertEquals("net.netfilter.nf_conntrack_frag6_timeout", Names.sysctl("nf_conntrack_frag6_timeout"));
    }

    @Test
    void aSysctlNamesItsSettingWithOrWithoutItsPrefix() {
        assertEquals("ipfrag_time", Names.setting("net.ipv4.ipfrag_time"));
        assertEquals("nf_conntrack_max", Names.setting(" net.netfilter.nf_conntrack_max "));
        assertEquals("nf_conntrack_max", Names.setting("nf_conntrack_max"));
        for (String s : SETTINGS) {
            assertEquals(s, Names.setting(Names.sysctl(s)));
        }
    }

    @Test
    void aTypoGetsTheClosestNameAndSomethingElseNone() {
        assertEquals("nf_conntrack_tcp_loose", Names.closest("nf_conntrack_tcp_loos", SETTINGS));
        assertEquals("nf_conntrack_max", Names.closest("NF_CONNTRACK_MAXX", SETTINGS));
        assertEquals("ipfrag_time", Names.closest("ipfrag_tme", SETTINGS));
        assertNull(Names.closest("ip_forward", SETTINGS));
        assertNull(Names.closest("x", List.of("--out", "--in")));
        assertEquals("--out", Names.closest("--ot", List.of("--out", "--in", "--pcap")));
        assertEquals(" (did you mean --sysctl?)", Names.suggestion("--sysclt", List.of("--out", "--sysctl")));
        assertEquals("", Names.suggestion("--verbose", List.of("--out", "--sysctl")));
    }
}
