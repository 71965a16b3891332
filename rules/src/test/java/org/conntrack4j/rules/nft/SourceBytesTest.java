package org.conntrack4j.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules files are read as bytes, the way nft 1.0.6 reads them (each case checked with {@code nft -c -f} on Linux
 * 6.18): comments and quoted strings may hold any byte, anything that is not ASCII elsewhere is an error at its
 * line and column, and columns count bytes.
 */
class SourceBytesTest {

    /** {@code parts} joined: Strings as UTF-8, int[]s as bytes (values 0-255). */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            } else {
                for (int b : (int[]) p) {
                    out.write(b);
                }
            }
        }
        return out.toByteArray();
    }

    private static Ruleset parse(byte[] data) throws IOException, RulesetParseException {
        return NftParser.parse("bytes.nft", new ByteArrayInputStream(data));
    }

    private static RulesetParseException rejects(byte[] data, int line, int column, String fragment) {
        RulesetParseException e = assertThrows(RulesetParseException.class, () -> parse(data));
        assertEquals(line + ":" + column, e.line() + ":" + e.column(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        return e;
    }

    private static Rule onlyRule(Ruleset rs) {
        return rs.tables().get(0).chains().get(0).rules().get(0);
    }

    @Test
    void aLatin1CommentInAFileIsAccepted(@TempDir Path dir) throws Exception {
        // issue 14 D4: this file made the replay fail with "cannot read: Input length = 3"
        Path file = dir.resolve("ruleset.nft");
        Files.write(file, bytes("# r", new int[] {0xe8}, "gles du pare-feu\ntable ip t {\nchain c {\n",
                "type filter hook forward priority 0; policy drop;\naccept # d", new int[] {0xe9}, "j", new int[] {0xe0},
                "\n}\n}\n"));
        assertEquals(1, NftParser.parse(file).tables().size());
        assertEquals(NftParser.parse(file), NftParser.parse(file.toString(), NftParser.read(file)));
    }

    @Test
    void anyByteInAStringIsKeptAsItsOwnChar() throws Exception {
        Ruleset rs = parse(bytes("table ip t {\nchain c {\niifname \"caf", new int[] {0xe8}, "\" log prefix \"caf",
                new int[] {0xe8}, ": \" accept comment \"", new int[] {0xc0, 0x80, 0x20, 0xed, 0xa0, 0x80, 0x20},
                "\u00e9\ud83d\ude00 ", new int[] {0xe2, 0x82}, "\"\n}\n}\n"));
        Rule r = onlyRule(rs);
        // each byte that is not UTF-8 is U+DC00 + byte; valid UTF-8 (here U+00E9 and U+1F600) is decoded
        assertEquals("caf\udce8", ((Operand.IfName) r.matches().get(0).value()).name());
        assertEquals("caf\udce8: ", ((LogStatement) r.statements().get(0)).prefix().orElseThrow());
        assertEquals("\udcc0\udc80 \udced\udca0\udc80 \u00e9\ud83d\ude00 \udce2\udc82", r.comment().orElseThrow());
        // printed and read back (as a String) it is the same ruleset
        assertEquals(rs, NftParser.parse("printed", rs.toString()));
    }

    @Test
    void anyByteInACommentIsSkipped() throws Exception {
        Ruleset rs = parse(bytes("# ", new int[] {0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xe2, 0x82},
                "\ntable ip t {\nchain c {\naccept # ", new int[] {0x80}, "\n}\n}\n"));
        assertEquals(1, rs.tables().size());
        assertEquals("accept", onlyRule(rs).toString().trim(), "the comments are gone, the rule is whole");
    }

    @Test
    void aByteThatIsNotUtf8OutsideCommentsAndStringsIsAnErrorAtItsPosition() {
        String rule = "table ip t {\nchain c {\n";
        rejects(bytes(rule, "accept ", new int[] {0xe8}, "\n}\n}\n"), 3, 8, "invalid UTF-8 byte 0xE8");
        rejects(bytes(rule, "accept\n}\n}\n", new int[] {0xff}), 6, 1, "invalid UTF-8 byte 0xFF");
        rejects(bytes("table ip ", new int[] {0xc0, 0x80}, " {\n}\n"), 1, 10, "invalid UTF-8 byte 0xC0");
        rejects(bytes(rule, "tcp dport 2", new int[] {0xed, 0xa0, 0x80}, "\n}\n}\n"), 3, 12,
                "invalid UTF-8 byte 0xED");
    }

    @Test
    void validUtf8OutsideCommentsAndStringsIsAnErrorToo() {
        String rule = "table ip t {\nchain c {\n";
        rejects(bytes(rule, "accept \ud83d\ude00\n}\n}\n"), 3, 8, "unexpected character U+1F600");
        // a byte order mark is junk to nft as well
        rejects(bytes("\ufefftable ip t {\n}\n"), 1, 1, "unexpected character U+FEFF");
    }

    @Test
    void columnsCountBytesAsNftDoes() {
        String rule = "table ip t {\nchain c {\n";
        // nft: 3:17 and 3:21
        rejects(bytes(rule, "log prefix \"\u00e9\" ", new int[] {0xe8}, "\n}\n}\n"), 3, 17, "0xE8");
        rejects(bytes(rule, "iifname \"\u00e9\" accept %\n}\n}\n"), 3, 21, "unexpected character '%'");
        rejects(bytes(rule, "iifname \"", new int[] {0xe8}, "\" accept %\n}\n}\n"), 3, 20, "'%'");
        rejects(bytes(rule, "iifname \"\ud83d\ude00\" tcp dport 70000\n}\n}\n"), 3, 26, "port 70000 out of range");
    }

    @Test
    void lengthLimitsCountBytes() throws Exception {
        String rule = "table ip t {\nchain c {\n";
        int[] raw127 = new int[127];
        java.util.Arrays.fill(raw127, 0xe8);
        parse(bytes(rule, "log prefix \"", raw127, "\"\n}\n}\n"));
        rejects(bytes(rule, "log prefix \"", raw127, "x\"\n}\n}\n"), 3, 12, "log prefix longer than 127 bytes");
        rejects(bytes(rule, "log prefix \"" + "\u00e9".repeat(64) + "\"\n}\n}\n"), 3, 12, "longer than 127 bytes");
        rejects(bytes(rule, "iifname \"", new int[] {0xe8, 0xe8, 0xe8, 0xe8, 0xe8, 0xe8, 0xe8, 0xe8}, "\u00e9".repeat(4),
                "\"\n}\n}\n"), 3, 9, "longer than 15 bytes");
    }

    @Test
    void nulIsStillRefusedInCommentsAndStrings() {
        String rule = "table ip t {\nchain c {\n";
        rejects(bytes(rule, "accept # ", new int[] {0xe8, 0}, "\n}\n}\n"), 3, 11, "NUL character in comment");
        rejects(bytes(rule, "accept comment \"", new int[] {0xe8, 0}, "\"\n}\n}\n"), 3, 18, "NUL character in string");
    }

    @Test
    void readRefusesFilesAboveTheLimit(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.nft");
        try (OutputStream out = Files.newOutputStream(big)) {
            byte[] block = new byte[1 << 16];
            java.util.Arrays.fill(block, (byte) '#');
            for (int written = 0; written <= NftParser.MAX_SOURCE_CHARS; written += block.length) {
                out.write(block);
            }
        }
        IOException e = assertThrows(IOException.class, () -> NftParser.read(big));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
        assertTrue(assertThrows(RulesetParseException.class, () -> NftParser.parse(big)).getMessage()
                .contains("too large"));
    }
}
