package org.conntrack4j.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.conntrack4j.core.clock.ManualClock;

/**
 * The clocks of a measurement: the calling thread's CPU time, the whole process's CPU time (every thread: the
 * collector's, the JIT compilers', the framework's), and the engines' fixed packet clock.
 */
public final class CpuClock {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The engines' time: 2023-11-14T22:13:20Z; it never moves, so nothing expires. */
    public static final long FIXED_WALL_NANOS = 1_700_000_000_000_000_000L;
    /** Linux's common tick rate. */
    public static final int HZ = 250;

    static {
        if (THREADS.isCurrentThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
            THREADS.setThreadCpuTimeEnabled(true);
        }
    }

    private static final ObjectName OS;

    static {
        ObjectName n;
        try {
            n = new ObjectName("java.lang:type=OperatingSystem");
        } catch (JMException e) {
            n = null;
        }
        OS = n;
    }

    private CpuClock() {
    }

    /**
     * CPU time (user + system) of the whole process in nanoseconds, every thread included (the collector's and the
     * JIT's, and threads that ended), or -1 where it cannot be read: the platform's operating-system bean (read as an
     * attribute, so that no {@code com.sun.management} import is needed), else {@code /proc/self/stat}. On Linux
     * both count clock ticks (10 ms), sampled by the kernel: sums over many phases are right, one short phase is
     * not; the bench's process figures are sums over iterations or runs of a fair length. A read costs some
     * tens of microseconds.
     */
    public static long processCpuNanos() {
        if (OS != null) {
            try {
                MBeanServer s = ManagementFactory.getPlatformMBeanServer();
                Object v = s.getAttribute(OS, "ProcessCpuTime");
                if (v instanceof Long && (Long) v >= 0) {
                    return (Long) v;
                }
            } catch (JMException | RuntimeException e) {
                // no such attribute on this JVM: /proc below
            }
        }
        return procStatCpuNanos();
    }

    /** utime + stime of {@code /proc/self/stat} in nanoseconds (at 100 ticks per second), or -1. */
    static long procStatCpuNanos() {
        return procStatNanos(11);
    }

    /**
     * The CPU time (user + system) of this process's children that ended and were waited for ({@code cutime} +
     * {@code cstime} of {@code /proc/self/stat}) in nanoseconds, or -1 where there is no such file.
     */
    public static long childCpuNanos() {
        return procStatNanos(13);
    }

    /**
     * Two adjacent tick counts of {@code /proc/self/stat} added, {@code at} and the next, counted from the field
     * after the command name (utime is 11, cutime 13), in nanoseconds at 100 ticks per second; -1 when unreadable.
     */
    private static long procStatNanos(int at) {
        try {
            String s = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
            // the command name (field 2) may hold spaces: fields are counted after its closing parenthesis
            String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
            long ticks = Long.parseLong(f[at]) + Long.parseLong(f[at + 1]);
            return ticks * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The CPU time of the process's live threads by kind, from {@code /proc/self/task/}: the thread's name up to its
     * first digit or {@code #} ("GC Thread", "G1 Refine", "C2 CompilerThre", "bench-a-", ...), nanoseconds (clock
     * ticks), largest first; empty where there is no such folder. Threads that ended are not in it.
     */
    public static List<Map.Entry<String, Long>> cpuByThreadKind() {
        Map<String, Long> kinds = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String s;
                try {
                    s = Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                String name = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                String kind = name.replaceAll("#.*$", "").replaceAll("[0-9]+$", "").trim();
                String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
                long ns = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
                kinds.merge(kind.isEmpty() ? name : kind, ns, Long::sum);
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        List<Map.Entry<String, Long>> out = new ArrayList<>(kinds.entrySet());
        out.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        return out;
    }

    /** The collectors this JVM runs with, by their beans' names (e.g. "G1 Young Generation, G1 Old Generation"). */
    public static String collectors() {
        List<String> names = new ArrayList<>();
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            names.add(b.getName());
        }
        return names.isEmpty() ? "unknown" : String.join(", ", names);
    }

    /** The JVM's options as given on its command line (heap size, collector, object layout). */
    public static String jvmOptions() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> kept = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("-X") || a.startsWith("-XX:")) {
                kept.add(a);
            }
        }
        return kept.isEmpty() ? "(none)" : String.join(" ", kept);
    }

    /** CPU time (user + system) of the calling thread in nanoseconds, or -1 where the JVM cannot tell. */
    public static long threadCpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    /** A new engine clock standing still at {@link #FIXED_WALL_NANOS}. */
    public static ManualClock fixedClock() {
        ManualClock c = new ManualClock(HZ);
        c.setWallNanos(FIXED_WALL_NANOS);
        return c;
    }
}
