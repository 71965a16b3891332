package org.conntrack4j.log;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.admin.LoggerAdmin;

/**
 * Writes the Log Service's entries that pass their logger's level ({@link Entries#wanted}) to the instance's log file
 * and, where there is no prompt to keep clean, to standard error.
 *
 * <p>The file: {@code DATA/log/conntrack4j.log}, {@code DATA} the instance's data folder (the framework property
 * {@value #DATA}, which the launcher sets to the distribution's {@code data/}), rotated by size. Configuration (PID
 * {@value #PID}, optional): {@value #FILE} (another path, or {@code off}), {@value #SIZE} (bytes before it rotates,
 * {@value #DEFAULT_SIZE}), {@value #KEEP} (rotated files kept, {@value #DEFAULT_KEEP}). No data folder and no
 * {@value #FILE}: no file (a framework started by hand, the in-framework tests).
 *
 * <p>Standard error ({@code conntrack4j: LEVEL bundle logger: message}, the process's own, not Gogo's per-session
 * stream): for every instance but the interactive shell, whose console belongs to the commands and their output
 * alone (a framework started with no command, as the launcher starts the shell). A foreground {@code router} or a
 * {@code server} thus shows its warnings where the operator or the service manager looks.
 *
 * <p>Entries logged before this started (the Log Service keeps the recent ones) are written first, oldest first.
 */
@Component(immediate = true, configurationPid = LogOutput.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class LogOutput implements LogListener {
    static final String PID = "org.conntrack4j.log";
    static final String FILE = "file";
    static final String SIZE = "size";
    static final String KEEP = "keep";
    static final String DATA = "conntrack4j.data";
    static final long DEFAULT_SIZE = 10L << 20;
    static final int DEFAULT_KEEP = 5;

    /** The bnd launcher's service, registered once every bundle has started: the command line. */
    @Reference(service = Object.class, target = "(launcher.ready=true)")
    Map<String, Object> launcher;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile LoggerAdmin admin;

    private final List<LogReaderService> readers = new CopyOnWriteArrayList<>();
    private volatile boolean active;
    /** Standard error, or null in the interactive shell. */
    volatile PrintStream console;
    volatile RotatingFile file;

    @Activate
    void activate(BundleContext context, Map<String, Object> props) {
        Object args = launcher.get("launcher.arguments");
        boolean interactive = !(args instanceof String[]) || ((String[]) args).length == 0;
        console = interactive ? null : new PrintStream(new FileOutputStream(FileDescriptor.err), true);
        file = openFile(props, context.getProperty(DATA), console);
        start();
    }

    /** Writes what the bound readers hold, then listens (console and file chosen). */
    void start() {
        active = true;
        readers.forEach(this::attach);
    }

    /** The configured file, the data folder's, or none; a file that cannot be opened is said on {@code err}. */
    static RotatingFile openFile(Map<String, Object> props, String data, PrintStream err) {
        Object f = props.get(FILE);
        if (f != null && f.toString().trim().equalsIgnoreCase("off")) {
            return null;
        }
        Path path = f != null ? Path.of(f.toString().trim())
            : data != null && !data.isBlank() ? Path.of(data, "log", "conntrack4j.log") : null;
        if (path == null) {
            return null;
        }
        try {
            long size = Long.parseLong(String.valueOf(props.getOrDefault(SIZE, DEFAULT_SIZE)).trim());
            int keep = Integer.parseInt(String.valueOf(props.getOrDefault(KEEP, DEFAULT_KEEP)).trim());
            String name = path.getFileName().toString().replaceFirst("\\.log$", "");
            return RotatingFile.open(path.toAbsolutePath().getParent(), name, Math.max(size, 4096), Math.max(keep, 0));
        } catch (NumberFormatException e) {
            PrintStream out = err != null ? err : new PrintStream(new FileOutputStream(FileDescriptor.err), true);
            out.println("conntrack4j: no log file: " + PID + ": size and keep are numbers: " + e.getMessage());
            return null;
        }
    }

    @Deactivate
    void deactivate() {
        active = false;
        readers.forEach(r -> r.removeLogListener(this));
        RotatingFile f = file;
        file = null;
        if (f != null) {
            try {
                f.close();
            } catch (IOException e) {
                // closing: nothing more to write
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "unbindReader")
    void bindReader(LogReaderService reader) {
        readers.add(reader);
        if (active) {
            attach(reader);
        }
    }

    void unbindReader(LogReaderService reader) {
        readers.remove(reader);
        reader.removeLogListener(this);
    }

    /** Writes what the reader logged so far, oldest first (it lists the newest first), then listens. */
    private void attach(LogReaderService reader) {
        List<LogEntry> earlier = new ArrayList<>();
        for (Enumeration<LogEntry> e = reader.getLog(); e.hasMoreElements();) {
            earlier.add(e.nextElement());
        }
        Collections.reverse(earlier);
        earlier.forEach(this::logged);
        reader.addLogListener(this);
    }

    @Override
    public void logged(LogEntry e) {
        if (!Entries.wanted(admin, e)) {
            return;
        }
        RotatingFile f = file;
        if (f != null) {
            try {
                f.write(Entries.line(e));
            } catch (IOException x) {
                // a full disk or a folder that cannot be written must not break the one who logged; say it once
                file = null;
                PrintStream err = console != null ? console : new PrintStream(new FileOutputStream(FileDescriptor.err),
                    true);
                err.println("conntrack4j: no log file any more: " + x);
            }
        }
        PrintStream err = console;
        if (err != null) {
            synchronized (err) {
                err.println("conntrack4j: " + Entries.text(e));
                if (e.getException() != null) {
                    e.getException().printStackTrace(err);
                }
            }
        }
    }
}
