package org.conntrack4j.replay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines made on another thread: all of them, in the order queued, and a failure there reaches the caller. */
class AsyncLinesTest {
    @TempDir
    Path dir;

    @Test
    void writesEveryLineInQueueOrderBeyondTheQueuesSize() throws IOException {
        Path f = dir.resolve("out.txt");
        int n = AsyncLines.QUEUE * 3 + 7;
        List<String> expected = new ArrayList<>();
        try (AsyncLines<Integer> lines = new AsyncLines<>(f, i -> "line " + i + " \u00e9", "test-lines")) {
            lines.line("first, as given");
            expected.add("first, as given");
            for (int i = 0; i < n; i++) {
                lines.add(i);
                expected.add("line " + i + " \u00e9");
            }
        }
        assertEquals(expected, Files.readAllLines(f, StandardCharsets.UTF_8));
    }

    @Test
    void aFormattingFailureIsRethrownToTheCallerAndTheThreadEnds() throws IOException {
        Path f = dir.resolve("out.txt");
        AsyncLines<Integer> lines = new AsyncLines<>(f, i -> {
            if (i == 3) {
                throw new IllegalStateException("no text for 3");
            }
            return String.valueOf(i);
        }, "test-lines");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            // the thread meets 3 at some point: the calls after it, or close, throw what it met
            try {
                for (int i = 0; i < AsyncLines.QUEUE * 4; i++) {
                    lines.add(i);
                }
            } finally {
                lines.close();
            }
        });
        assertEquals("no text for 3", e.getMessage());
        // what came before the failure was written
        assertEquals(List.of("0", "1", "2"), Files.readAllLines(f));
    }

    @Test
    void closeTwiceIsHarmless() throws IOException {
        AsyncLines<String> lines = new AsyncLines<>(dir.resolve("x.txt"), s -> s, "test-lines");
        lines.add("a");
        lines.close();
        lines.close();
        assertEquals(List.of("a"), Files.readAllLines(dir.resolve("x.txt")));
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("test-lines")),
            "the writing thread is gone once closed");
    }
}
