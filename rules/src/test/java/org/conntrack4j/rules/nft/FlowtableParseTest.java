package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Flowtables and {@code flow add}: parsed, listed as nft 1.0.6 lists them (its rule.c and json.c: devices unquoted,
 * the netdev priority {@code filter} within 10, one device as a JSON string), and the checks nft and the kernel make
 * (a hook, ingress only, forward only for {@code flow add}, the flowtable declared, no hardware offload here). The
 * kernel here is built without flowtables, so these listings could not be recorded from it.
 */
class FlowtableParseTest {
    private static final String SRC = "ft.nft";

    static final String INPUT = "table inet filter {\n"
            + "  flowtable ft {\n"
            + "    hook ingress priority filter + 5\n"
            + "    devices = { \"lan\", wan }\n"
            + "    counter\n"
            + "  }\n"
            + "  set seen { type ipv4_addr; }\n"
            + "  chain fw {\n"
            + "    type filter hook forward priority filter; policy accept;\n"
            + "    ip protocol { tcp, udp } flow offload @ft\n"
            + "    jump sub\n"
            + "  }\n"
            + "  chain sub {\n"
            + "    meta l4proto udp flow add @ft counter\n"
            + "  }\n"
            + "  flowtable other { hook ingress priority -20; devices = lan; }\n"
            + "  flowtable bare { hook ingress priority 3; }\n"
            + "}\n";

    @Test
    void listsAsNftDoes() throws Exception {
        Ruleset rs = NftParser.parse(SRC, INPUT);
        String expected = "table inet filter {\n"
                + "\tset seen {\n"
                + "\t\ttype ipv4_addr\n"
                + "\t}\n"
                + "\n"
                + "\tflowtable ft {\n"
                + "\t\thook ingress priority filter + 5\n"
                + "\t\tdevices = { lan, wan }\n"
                + "\t\tcounter\n"
                + "\t}\n"
                + "\n"
                + "\tflowtable other {\n"
                + "\t\thook ingress priority -20\n"
                + "\t\tdevices = { lan }\n"
                + "\t}\n"
                + "\n"
                + "\tflowtable bare {\n"
                + "\t\thook ingress priority filter + 3\n"
                + "\t}\n"
                + "\n"
                + "\tchain fw {\n"
                + "\t\ttype filter hook forward priority filter; policy accept;\n"
                + "\t\tip protocol { tcp, udp } flow add @ft\n"
                + "\t\tjump sub\n"
                + "\t}\n"
                + "\n"
                + "\tchain sub {\n"
                + "\t\tmeta l4proto udp flow add @ft counter packets 0 bytes 0\n"
                + "\t}\n"
                + "}\n";
        assertEquals(expected, rs.toString());
        // what is listed parses back to the same ruleset
        assertEquals(rs, NftParser.parse(SRC, rs.toString()));
        FlowtableObject ft = rs.tables().get(0).object(FlowtableObject.class, "ft").orElseThrow();
        assertEquals(List.of("lan", "wan"), ft.devices());
        assertEquals(5, ft.priority().value());
        assertTrue(ft.counter());
    }

    @Test
    void jsonAsNftWritesIt() throws Exception {
        String json = NftJson.of(NftParser.parse(SRC, INPUT));
        assertTrue(json.contains("{\"flowtable\": {\"family\": \"inet\", \"name\": \"ft\", \"table\": \"filter\", "
                + "\"handle\": 4, \"hook\": \"ingress\", \"prio\": 5, \"dev\": [\"lan\", \"wan\"]}}"), json);
        assertTrue(json.contains("\"name\": \"other\", \"table\": \"filter\", \"handle\": 5, \"hook\": \"ingress\", "
                + "\"prio\": -20, \"dev\": \"lan\"}}"), json);
        assertTrue(json.contains("{\"flow\": {\"op\": \"add\", \"flowtable\": \"@ft\"}}"), json);
    }

    private static void assertError(String text, int line, int column, String fragment) {
        ErrorPositionTest.assertError(text, line, column, fragment);
    }

    private static String table(String... lines) {
        return "table ip t {\n" + String.join("\n", lines) + "\n}\n";
    }

    @Test
    void refusesWhatNftAndTheKernelRefuse() {
        String ft = "flowtable f { hook ingress priority 0; devices = { lan }; }";
        assertError(table("chain c { type filter hook forward priority 0; flow add @nope; }"), 2, 58,
                "No such file or directory (flowtable \"nope\" is not declared in table ip t)");
        assertError(table(ft, "chain c { type filter hook prerouting priority 0; flow add @f; }"), 3, 61,
                "Operation not supported (flow add is only valid at the forward hook, not prerouting)");
        assertError(table(ft, "chain c { type filter hook forward priority 0; jump s; }",
                "chain s { flow add @f; }", "chain i { type filter hook input priority 0; jump s; }"), 4, 21,
                "reached from base chain \"i\"");
        assertError(table("flowtable f { hook ingress priority 0; flags offload; }"), 2, 46,
                "Operation not supported (flags offload asks for hardware offload");
        assertError(table("flowtable f { hook egress priority 0; }"), 2, 20, "flowtables hook ingress only");
        assertError(table("flowtable f { devices = { lan }; }"), 2, 34, "needs a hook");
        assertError(table("flowtable f { hook ingress priority raw; }"), 2, 37, "the ingress hook knows: filter");
        assertError(table("flowtable f { hook ingress priority 0; devices = { lan, lan }; }"), 2, 57,
                "File exists (device lan given twice");
        assertError(table(ft, ft), 3, 11, "duplicate flowtable \"f\"");
        assertError(table(ft, "chain c { type filter hook forward priority 0; flow del @f; }"), 3, 53,
                "expected \"add\" after \"flow\"");
    }
}
