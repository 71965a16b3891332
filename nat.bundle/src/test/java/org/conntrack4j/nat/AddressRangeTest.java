package org.conntrack4j.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Tuple;
import org.conntrack4j.core.inet.Addr;
import org.conntrack4j.core.nat.NatManip;
import org.conntrack4j.core.nat.NatRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which address of a range a binding gets ({@code find_best_ips_proto}): a hash of the addresses, spread over the
 * range word by word. The expected choices were recorded from a 6.18 kernel (testdata/probes/nat/range_*: nftables
 * {@code snat to A-B}, {@code snat to A-B persistent}, {@code dnat to A-B}, IPv4 and IPv6, ranges inside one word
 * and across words), one row per connection of the table the kernel listed. Each client sent to
 * several servers in turn from the same port; only its first connection (to the first server) got an address by
 * hash, the later ones reuse that mapping ({@code find_appropriate_src}, checked in {@link SourceNatTest}).
 */
class AddressRangeTest {
    @ParameterizedTest
    @CsvSource({
        "snat4, 203.0.113.50, 203.0.113.60, 0, 0",
        "snat4p, 203.0.113.50, 203.0.113.60, 8, 0",
        "snat4wide, 203.0.113.100, 203.0.114.20, 0, 0",
        "snat6, 2001:db8:2::100, 2001:db8:2::1ff, 0, 0",
        "snat6wide, 2001:db8:2::ffff:fff0, 2001:db8:2::1:0:20, 0, 0",
        "dnat4, 198.51.100.30, 198.51.100.40, 0, 1",
    })
    void theAddressIsTheOneTheKernelPicked(String scenario, String min, String max, int flags, int manip)
        throws Exception {
        List<List<String>> rows = KernelProbes.rangeRows(scenario);
        assertFalse(rows.isEmpty());
        boolean v6 = min.contains(":");
        int family = v6 ? Family.IPV6 : Family.IPV4;
        long[] lo = address(min);
        long[] hi = address(max);
        NatRange range = new NatRange(NatRange.MAP_IPS | flags, family, lo[0], lo[1], hi[0], hi[1], 0, 0);
        int checked = 0;
        for (List<String> r : rows) {
            if (manip == NatManip.SRC && !r.get(1).equals(v6 ? "2001:db8:2::10" : "203.0.113.10")) {
                continue;
            }
            checked++;
            Tuple t = new Tuple();
            t.family = family;
            t.proto = IpProto.UDP;
            long[] s = address(r.get(0));
            long[] d = address(r.get(1));
            t.srcHi = s[0];
            t.srcLo = s[1];
            t.dstHi = d[0];
            t.dstLo = d[1];
            TupleSearch.bestAddress(t, range, manip);
            String expected = manip == NatManip.SRC ? r.get(5) : r.get(4);
            String got = manip == NatManip.SRC ? t.srcText() : t.dstText();
            assertEquals(expected, got, scenario + " " + r);
        }
        assertTrue(checked >= 6, "rows checked: " + checked);
    }

    static long[] address(String text) {
        if (text.contains(":")) {
            return Addr.parseV6(text);
        }
        return new long[] {0, Integer.toUnsignedLong(Addr.parseV4(text))};
    }
}
