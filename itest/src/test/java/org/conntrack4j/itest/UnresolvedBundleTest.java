package org.conntrack4j.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.test.common.annotation.InjectService;

/**
 * A bundle that cannot resolve (it imports the engine's private package, as a vendor bundle built against the wrong
 * artifact would) is reported at once: a warning naming the missing requirement, and a line in ct:trackers until it
 * is uninstalled.
 */
class UnresolvedBundleTest {
    private static final String BSN = "org.conntrack4j.itest.unresolvable";

    @InjectService
    CommandProcessor shell;

    @InjectService
    LogReaderService reader;

    @Test
    void aBundleThatCannotResolveIsReportedWithItsMissingRequirementUntilItGoes() throws Exception {
        BundleContext ctx = FrameworkUtil.getBundle(UnresolvedBundleTest.class).getBundleContext();
        List<String> warnings = new CopyOnWriteArrayList<>();
        LogListener listen = (LogEntry e) -> warnings.add(e.getLogLevel() + " " + e.getMessage());
        reader.addLogListener(listen);
        Bundle b = ctx.installBundle("itest:unresolvable", new ByteArrayInputStream(jar()));
        try {
            String line = await(t -> t.contains("unresolved " + BSN));
            assertTrue(line.contains("unresolved " + BSN + " 1.2.3 (itest:unresolvable): ")
                && line.contains("missing requirement") && line.contains("org.conntrack4j.core.impl"), line);
            assertEquals(Bundle.INSTALLED, b.getState(), "it stays installed: nothing was started");
            assertTrue(warnings.stream().anyMatch(w -> w.startsWith("WARN bundle " + BSN)
                && w.contains("org.conntrack4j.core.impl")), warnings.toString());
        } finally {
            reader.removeLogListener(listen);
            b.uninstall();
        }
        await(t -> !t.contains(BSN));
    }

    /** A bundle of a manifest alone that imports a package no bundle exports. */
    private static byte[] jar() throws Exception {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", BSN);
        a.putValue("Bundle-Version", "1.2.3");
        a.putValue("Import-Package", "org.conntrack4j.core.impl");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream j = new JarOutputStream(bytes, mf)) {
            // the manifest is the whole bundle
        }
        return bytes.toByteArray();
    }

    /** ct:trackers's output once it passes the test (15 s at most). */
    private String await(Predicate<String> test) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (CommandSession s = shell.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
                s.execute("ct:trackers");
            }
            String text = out.toString(StandardCharsets.UTF_8);
            if (test.test(text)) {
                return text;
            }
            if (System.nanoTime() > deadline) {
                fail("ct:trackers never passed:\n" + text);
            }
            Thread.sleep(200);
        }
    }
}
