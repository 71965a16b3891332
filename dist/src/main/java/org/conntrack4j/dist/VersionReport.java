package org.conntrack4j.dist;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/**
 * {@code conntrack4j --version}: the distribution's version, then the symbolic name and version of every bundle it
 * starts, read from the jars themselves (so it tells what runs, not what was meant to be built): the framework and
 * the launcher on the executable jar's embedded run path, the bundles its {@code launcher.properties} lists, and
 * the bundle jars in {@code deploy/}. Runs on a plain class path, without the framework: {@code bin/conntrack4j}
 * calls it with the distribution's home folder. Exit status 0, or 1 with a one-line message when the home folder
 * is not a conntrack4j distribution.
 */
public final class VersionReport {
    /** The executable jar, relative to the home folder. */
    static final String RUNTIME_JAR = "lib/conntrack4j.jar";
    /** The hot-deploy folder FileInstall watches, relative to the home folder. */
    static final String DEPLOY = "deploy";

    private VersionReport() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: VersionReport HOME");
            System.exit(2);
        }
        try {
            print(Path.of(args[0]), System.out);
        } catch (IOException | RuntimeException e) {
            System.err.println("conntrack4j: " + e.getMessage());
            System.exit(1);
        }
    }

    /** One shipped or deployed bundle: what its manifest says, and where it comes from when that is not plain. */
    record Entry(String symbolicName, String version, String origin) {
    }

    static void print(Path home, PrintStream out) throws IOException {
        List<Entry> entries = new ArrayList<>(runtime(home.resolve(RUNTIME_JAR)));
        entries.addAll(deployed(home.resolve(DEPLOY)));
        int width = 0;
        for (Entry e : entries) {
            width = Math.max(width, e.symbolicName().length());
        }
        out.println("conntrack4j " + projectVersion());
        for (Entry e : entries) {
            String line = String.format("  %-" + width + "s  %s", e.symbolicName(), e.version());
            out.println(e.origin().isEmpty() ? line : line + "  (" + e.origin() + ")");
        }
        out.println("java " + Runtime.version() + " (" + System.getProperty("java.home") + ")");
    }

    /** The project version this class was built with (Maven form: 1.1.0-SNAPSHOT, or 1.1.0 for a release). */
    static String projectVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = VersionReport.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IOException("version.properties missing from the class path");
            }
            p.load(in);
        }
        return p.getProperty("version");
    }

    /**
     * The executable jar's framework and launcher (its manifest's {@code Embedded-Runpath}) and the bundles its
     * {@code launcher.properties} lists under {@code launch.bundles}, in the order they are installed.
     */
    static List<Entry> runtime(Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException(jar + ": missing (not a conntrack4j distribution?)");
        }
        List<Entry> entries = new ArrayList<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest m = jf.getManifest();
            String runpath = m == null ? null : m.getMainAttributes().getValue("Embedded-Runpath");
            Properties launch = new Properties();
            ZipEntry props = jf.getEntry("launcher.properties");
            if (runpath == null || props == null) {
                throw new IOException(jar + ": not a bnd executable jar (no Embedded-Runpath or launcher.properties)");
            }
            try (InputStream in = jf.getInputStream(props)) {
                launch.load(in);
            }
            for (String path : runpath.split(",")) {
                entries.add(embedded(jf, path.trim(), "run path"));
            }
            for (String path : launch.getProperty("launch.bundles", "").split(",")) {
                if (!path.isBlank()) {
                    entries.add(embedded(jf, path.trim(), ""));
                }
            }
        }
        return entries;
    }

    private static Entry embedded(JarFile jf, String path, String origin) throws IOException {
        ZipEntry e = jf.getEntry(path);
        if (e == null) {
            throw new IOException(jf.getName() + ": " + path + " is listed but missing");
        }
        try (JarInputStream in = new JarInputStream(jf.getInputStream(e))) {
            return entry(in.getManifest(), path, origin);
        }
    }

    /** The jars in deploy/, by file name; a jar that is no bundle is listed as such. */
    static List<Entry> deployed(Path deploy) throws IOException {
        List<Path> jars = new ArrayList<>();
        if (Files.isDirectory(deploy)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(deploy, "*.jar")) {
                ds.forEach(jars::add);
            }
        }
        jars.sort(null);
        List<Entry> entries = new ArrayList<>();
        for (Path p : jars) {
            String origin = DEPLOY + "/" + p.getFileName();
            try (JarFile jf = new JarFile(p.toFile())) {
                entries.add(entry(jf.getManifest(), origin, origin));
            } catch (IOException ex) {
                entries.add(new Entry("(unreadable jar)", "-", origin + ": " + ex.getMessage()));
            }
        }
        return entries;
    }

    private static Entry entry(Manifest m, String path, String origin) {
        Attributes a = m == null ? null : m.getMainAttributes();
        String bsn = a == null ? null : a.getValue("Bundle-SymbolicName");
        if (bsn == null) {
            return new Entry("(not a bundle)", "-", path);
        }
        int semi = bsn.indexOf(';');   // directives such as singleton:=true
        String version = a.getValue("Bundle-Version");
        return new Entry((semi < 0 ? bsn : bsn.substring(0, semi)).trim(), version == null ? "0.0.0" : version.trim(),
            origin);
    }
}
