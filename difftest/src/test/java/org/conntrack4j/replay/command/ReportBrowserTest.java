package org.conntrack4j.replay.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report as a browser shows it: headless Chromium (Debian's {@code chromium}, which {@code .ci/run} installs)
 * takes a screenshot of the udp case's report, which must show the page, not a blank one. Fails when Chromium is
 * missing: the CI installs it, so its absence is a broken environment, not a reason to skip.
 */
class ReportBrowserTest {
    private static final long TIMEOUT_SECONDS = 60;

    @TempDir
    Path tmp;

    /** The Chromium executable on the PATH, or null. */
    private static Path chromium() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    @Test
    void chromiumShowsTheReport() throws Exception {
        Path browser = chromium();
        assertNotNull(browser, "chromium is not on the PATH (Debian package chromium; .ci/run installs it)");
        ReplayExplainTest.udpReport(ReplayExplainTest.wire(new ReplayCommand()),
            ReplayExplainTest.session(new ByteArrayOutputStream()), tmp);
        Path report = tmp.resolve("report.html");
        Path shot = tmp.resolve("report.png");
        Path profile = Files.createTempDirectory("conntrack4j-chromium");
        try {
            ProcessBuilder pb = new ProcessBuilder(browser.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile, "--window-size=1200,900",
                "--screenshot=" + shot, report.toUri().toString());
            pb.redirectErrorStream(true);
            pb.redirectOutput(tmp.resolve("chromium.log").toFile());
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("chromium took more than " + TIMEOUT_SECONDS + " s: "
                    + Files.readString(tmp.resolve("chromium.log")));
            }
            assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("chromium.log")));
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        assertTrue(Files.isRegularFile(shot), "no screenshot");
        BufferedImage img = ImageIO.read(shot.toFile());
        assertNotNull(img, "the screenshot is not a PNG");
        Set<Integer> colours = new HashSet<>();
        long inked = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) {
                    inked++;
                }
            }
        }
        long pixels = (long) img.getWidth() * img.getHeight();
        // text, the tables' borders and backgrounds and the state colours: far from a blank page
        assertTrue(colours.size() > 50, "only " + colours.size() + " colours");
        assertTrue(inked > pixels / 10, "only " + inked + " of " + pixels + " pixels are not white");
    }
}
