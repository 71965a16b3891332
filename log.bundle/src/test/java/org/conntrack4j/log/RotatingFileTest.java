package org.conntrack4j.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation by size, how many files stay, and one writer per file. */
class RotatingFileTest {
    @TempDir
    Path dir;

    private static String line(int i) {
        return String.format("entry %04d %s%n", i, "x".repeat(1000));
    }

    @Test
    void aFullFileMovesToDotOneAndTheOldestBeyondKeepGoes() throws IOException {
        try (RotatingFile f = RotatingFile.open(dir, "conntrack4j", 4096, 2)) {
            for (int i = 0; i < 14; i++) {
                f.write(line(i));
            }
        }
        // 4 entries of 1,017 bytes per file: 0-3, 4-7, 8-11 (gone), 12-13
        assertEquals(line(12) + line(13), Files.readString(dir.resolve("conntrack4j.log")));
        assertEquals(line(8) + line(9) + line(10) + line(11), Files.readString(dir.resolve("conntrack4j.log.1")));
        assertEquals(line(4) + line(5) + line(6) + line(7), Files.readString(dir.resolve("conntrack4j.log.2")));
        assertFalse(Files.exists(dir.resolve("conntrack4j.log.3")));
    }

    @Test
    void aSecondWriterTakesTheNextNameAndTheFileGrowsAcrossRestarts() throws IOException {
        try (RotatingFile a = RotatingFile.open(dir, "conntrack4j", 1 << 20, 2);
             RotatingFile b = RotatingFile.open(dir, "conntrack4j", 1 << 20, 2)) {
            a.write("a\n");
            b.write("other\n");
            assertEquals(dir.resolve("conntrack4j.log"), a.path());
            assertEquals(dir.resolve("conntrack4j-2.log"), b.path());
        }
        try (RotatingFile a = RotatingFile.open(dir, "conntrack4j", 1 << 20, 2)) {
            a.write("b\n");
            assertEquals(dir.resolve("conntrack4j.log"), a.path(), "free again once closed");
        }
        assertEquals("a\nb\n", Files.readString(dir.resolve("conntrack4j.log")));
    }
}
