package org.conntrack4j.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.management.ObjectName;
import org.conntrack4j.core.api.Connection;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackFactory;
import org.conntrack4j.core.api.ExpectationSnapshot;
import org.conntrack4j.core.api.Family;
import org.conntrack4j.core.api.PluginInfo;
import org.conntrack4j.core.nat.Nat;
import org.conntrack4j.core.text.CtFormat;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The plug-in bundles of the live runtime, taken away and checked for what they leave behind: shared by the leak
 * test (one bundle at a time, after it was put to work) and the chaos test (every bundle at random under load).
 * Nothing of a bundle may remain once it left: services, the core's trackers, helpers, extensions, hooks and
 * settings, references the engine keeps to its classes, threads running its code or carrying its class loader, and
 * the loader itself must become unreachable (if not, the heap is dumped next to the reports to find what holds it).
 * Waits are bounded loops, never timing assertions.
 */
final class PluginBundles {
    static final String UDP = "org.conntrack4j.proto.udp";
    static final String TCP = "org.conntrack4j.proto.tcp";
    static final String ICMP = "org.conntrack4j.proto.icmp";
    static final String NAT = "org.conntrack4j.nat";
    static final String FTP = "org.conntrack4j.helper.ftp";
    static final String GRE = "org.conntrack4j.proto.gre";
    static final String SCTP = "org.conntrack4j.proto.sctp";
    static final String TFTP = "org.conntrack4j.helper.tftp";
    static final String IRC = "org.conntrack4j.helper.irc";
    static final String AMANDA = "org.conntrack4j.helper.amanda";
    static final String SANE = "org.conntrack4j.helper.sane";
    static final String PPTP = "org.conntrack4j.helper.pptp";
    static final String SIP = "org.conntrack4j.helper.sip";
    /** Every tracker, helper and NAT bundle of the distribution. */
    static final List<String> PLUGINS = List.of(UDP, TCP, ICMP, NAT, FTP, GRE, SCTP, TFTP, IRC, AMANDA, SANE,
        PPTP, SIP);

    /** Upper bound of every wait for asynchronous work (configuration, refresh, collection). */
    static final long WAIT_MILLIS = 10_000;

    private final BundleContext own;
    private final Conntrack conntrack;
    private final ConntrackFactory factory;
    /** Where each plug-in was installed from, to bring back one that left (or that a failed test left out). */
    private final Map<String, String> locations = new HashMap<>();
    /**
     * Each plug-in's jar as it was when the tests began: a reinstall or update from the location would read whatever
     * a build has put there since (another branch's build in a shared Maven repository), not the bundle under test.
     */
    private final Map<String, byte[]> jars = new HashMap<>();

    /**
     * Works through the test bundle's own context, so that what it installs persists across tests; every plug-in
     * must be installed now.
     */
    PluginBundles(BundleContext own, Conntrack conntrack, ConntrackFactory factory) {
        this.own = own;
        this.conntrack = conntrack;
        this.factory = factory;
        for (String bsn : PLUGINS) {
            String location = bundle(bsn).getLocation();
            locations.put(bsn, location);
            jars.put(bsn, read(location));
        }
    }

    private static byte[] read(String location) {
        String url = location.startsWith("reference:") ? location.substring("reference:".length()) : location;
        try (InputStream in = new URL(url).openStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundle at " + location, e);
        }
    }

    /** The plug-in's jar as the tests began with it. */
    InputStream jar(String bsn) {
        return new ByteArrayInputStream(jars.get(bsn));
    }

    /** Installs the plug-ins that are missing again, then starts every bundle named in {@code active} that is not. */
    void bringBack(Set<String> active) throws Exception {
        for (String bsn : PLUGINS) {
            if (find(bsn) == null) {
                own.installBundle(locations.get(bsn), jar(bsn));
            }
        }
        for (Bundle b : own.getBundles()) {
            if (active.contains(b.getSymbolicName()) && b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
    }

    /** The helpers the bundle provides now. */
    List<PluginInfo> helpersOf(String bsn) {
        List<PluginInfo> out = new ArrayList<>();
        for (PluginInfo h : factory.helpers()) {
            if (h.bundle().startsWith(bsn + " ")) {
                out.add(h);
            }
        }
        return out;
    }

    /** The symbolic names of the bundles that are active now. */
    Set<String> activeBundles() {
        Set<String> out = new HashSet<>();
        for (Bundle b : own.getBundles()) {
            if (b.getState() == Bundle.ACTIVE) {
                out.add(b.getSymbolicName());
            }
        }
        return out;
    }

    /** The bundle's class loader, held weakly only. */
    WeakReference<ClassLoader> loaderOf(String bsn, String privateClass) throws ClassNotFoundException {
        ClassLoader l = bundle(bsn).loadClass(privateClass).getClassLoader();
        assertNotNull(l);
        return new WeakReference<>(l);
    }

    /** The packages of the bundle's own classes (all private to it). */
    Set<String> packagesOf(String bsn) {
        Set<String> out = new HashSet<>();
        Enumeration<java.net.URL> e = bundle(bsn).findEntries("/", "*.class", true);
        while (e != null && e.hasMoreElements()) {
            String path = e.nextElement().getPath();
            int slash = path.lastIndexOf('/');
            out.add(path.substring(path.startsWith("/") ? 1 : 0, slash).replace('/', '.'));
        }
        assertFalse(out.isEmpty(), bsn + " has classes");
        return out;
    }

    void uninstallAndRefresh(String bsn) throws Exception {
        Bundle b = bundle(bsn);
        b.uninstall();
        CountDownLatch done = new CountDownLatch(1);
        own.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), ev -> {
            if (ev.getType() == FrameworkEvent.PACKAGES_REFRESHED || ev.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        assertTrue(done.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the framework refreshed " + bsn);
        assertNull(find(bsn));
    }

    /** No service of the bundle, nothing of it in the core's views, hooks or settings. */
    void assertNothingRegistered(String bsn, List<String> settings) throws Exception {
        List<String> left = new ArrayList<>();
        ServiceReference<?>[] refs = own.getAllServiceReferences(null, null);
        for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
            Bundle b = ref.getBundle();
            if (b != null && bsn.equals(b.getSymbolicName())) {
                left.add("service " + ref);
            }
        }
        List<PluginInfo> plugins = new ArrayList<>(factory.trackers());
        plugins.addAll(factory.helpers());
        plugins.addAll(factory.extensions());
        for (PluginInfo p : plugins) {
            if (p.bundle().startsWith(bsn + " ")) {
                left.add("plug-in " + p);
            }
        }
        for (int family : new int[] {Family.IPV4, Family.IPV6}) {
            for (String h : conntrack.packets().describeHooks(family)) {
                if (h.contains(bsn)) {
                    left.add("hook " + h);
                }
            }
        }
        Map<String, Long> active = conntrack.settings().active();
        for (String s : settings) {
            if (active.containsKey(s)) {
                left.add("setting " + s);
            }
        }
        assertEquals(List.of(), left, bsn + " left registrations behind");
    }

    /**
     * Nothing the engine keeps is of the bundle's classes: trackers in use, its helpers, the NAT extension, what the
     * connections carry (helper, helper data, tracker state, NAT state), and no expectation of its helpers.
     */
    void assertNoReferenceInTheEngine(String bsn, List<PluginInfo> helpers,
        WeakReference<ClassLoader> loader) {
        ClassLoader l = loader.get();
        if (l == null) {
            return;
        }
        List<String> left = new ArrayList<>();
        for (int family : new int[] {Family.IPV4, Family.IPV6}) {
            for (int proto = 0; proto < 256; proto++) {
                if (of(l, conntrack.services().tracker(family, proto))) {
                    left.add("tracker for " + Family.name(family) + " protocol " + proto);
                }
            }
            for (PluginInfo h : helpers) {
                if (of(l, conntrack.services().helper(h.name(), family, h.protocol()))) {
                    left.add("helper " + h.name() + " for " + Family.name(family));
                }
            }
        }
        if (of(l, conntrack.services().extension(Nat.class))) {
            left.add("NAT extension");
        }
        for (Connection c : conntrack.table().connections(null)) {
            if (carries(l, c) || c.master() != null && carries(l, c.master())) {
                left.add("connection " + CtFormat.listLine(conntrack.table().snapshot(c)));
            }
        }
        for (ExpectationSnapshot x : conntrack.table().expectations()) {
            for (PluginInfo h : helpers) {
                if (h.name().equals(x.helper())) {
                    left.add("expectation " + x);
                }
            }
        }
        assertEquals(List.of(), left, bsn + " left references in the engine");
    }

    private static boolean carries(ClassLoader l, Connection c) {
        return of(l, c.helper()) || of(l, c.helperData()) || of(l, c.protoState()) || of(l, c.natState());
    }

    private static boolean of(ClassLoader l, Object o) {
        return o != null && o.getClass().getClassLoader() == l;
    }

    /**
     * No thread runs the bundle's code or has its loader as context loader: neither one started while it was used
     * (recorded in {@code before}) nor one it started earlier, when it was activated.
     */
    static void assertNoThreadLeft(String bsn, Set<Long> before, Set<String> packages,
        WeakReference<ClassLoader> loader) {
        List<String> left = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
            Thread th = t.getKey();
            if (!th.isAlive()) {
                continue;
            }
            String which = th.getName() + (before.contains(th.getId()) ? "" : " (started while the bundle was used)");
            ClassLoader l = loader.get();
            if (l != null && th.getContextClassLoader() == l) {
                left.add(which + " has the bundle's context class loader");
            }
            for (StackTraceElement f : t.getValue()) {
                String cls = f.getClassName();
                int dot = cls.lastIndexOf('.');
                if (dot > 0 && packages.contains(cls.substring(0, dot))) {
                    left.add(which + " runs " + f);
                    break;
                }
            }
        }
        assertEquals(List.of(), left, bsn + " left threads behind");
    }

    static Set<Long> threadIds() {
        Set<Long> ids = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            ids.add(t.getId());
        }
        return ids;
    }

    /** The loader becomes unreachable; if not, the heap is dumped for the path that holds it. */
    static void assertCollected(String bsn, WeakReference<ClassLoader> loader) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (loader.get() != null && System.nanoTime() - deadline < 0) {
            System.gc();
            Thread.sleep(50);
        }
        if (loader.get() != null) {
            File dump = new File("leak-" + bsn + ".hprof").getAbsoluteFile();
            dump.delete();
            // HotSpotDiagnosticMXBean.dumpHeap, through JMX: the test bundle need not import com.sun.management
            ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=HotSpotDiagnostic"), "dumpHeap",
                new Object[] {dump.getPath(), true}, new String[] {String.class.getName(), "boolean"});
            fail("the class loader of " + bsn + " is still reachable after it was uninstalled; heap dump: " + dump
                + " (look for the paths from GC roots to " + loader.get() + ")");
        }
    }

    Bundle find(String bsn) {
        return Arrays.stream(own.getBundles()).filter(b -> bsn.equals(b.getSymbolicName())).findFirst().orElse(null);
    }

    Bundle bundle(String bsn) {
        Bundle b = find(bsn);
        assertNotNull(b, bsn + " is installed");
        return b;
    }

    static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}
