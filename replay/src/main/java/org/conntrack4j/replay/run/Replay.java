package org.conntrack4j.replay.run;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.conntrack4j.core.api.Clock;
import org.conntrack4j.core.api.ConnectionSnapshot;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.CoreSettings;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.IpProto;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.clock.ManualClock;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.core.text.TextBuffer;
import org.conntrack4j.replay.pcap.CaptureAhead;
import org.conntrack4j.replay.pcap.CaptureFormatException;
import org.conntrack4j.replay.pcap.CaptureFrame;
import org.conntrack4j.replay.pcap.CaptureReader;
import org.conntrack4j.replay.pcap.FileOutput;
import org.conntrack4j.replay.pcap.PcapNgWriter;
import org.conntrack4j.router.Forwarder;
import org.conntrack4j.router.Result;
import org.conntrack4j.router.Router;
import org.conntrack4j.router.RouterConfig;
import org.conntrack4j.router.Routers;

/**
 * Replays a capture through a fresh engine and the router, writing {@code ctstate.tsv}, {@code events.txt},
 * {@code expect-events.txt} (when the ruleset declares a helper or an expectation object), {@code table.txt}, the
 * same table as {@code conntrack -L -o xml,labels} ({@code table.xml}) and {@code egress.pcapng} into the output
 * folder, in the formats of the kernel cases. Labels are printed through the
 * case's label map ({@link CaseSpec#labels()}).
 *
 * <p>Time is the capture's: the engine's clock is set from each frame's timestamp before the frame is
 * processed (HZ 250, as the recording kernel), so the output is the same on every run.
 *
 * <p>A fragment held by defragmentation gets its row when its datagram completes, with the datagram's
 * verdict, as the kernel cases record it; a fragment whose datagram never completes gets {@code -} (conntrack
 * never saw it). {@code ctstate.tsv} is therefore written once the capture has been read, in frame order.
 */
public final class Replay {
    /** Kernel HZ of the recordings: deadlines are kept in 4 ms jiffies. */
    public static final int HZ = 250;

    /**
     * Where the recording kernel's ticks fall, in nanoseconds after each 4 ms multiple of the epoch. A capture
     * does not show it; the kernel cases bound it: an expectation matched 0.32 ms after it was created printed
     * 299 (a tick fell in between) while others 0.36, 0.50 and 0.55 ms apart printed 300 (no tick between),
     * which leaves 2.22 to 2.54 ms. This is the middle of that interval: a calibration of the recording
     * machine's clock, like HZ, used when neither the case ({@code tick_phase_us}) nor the command line
     * ({@code --tick-phase}) says otherwise.
     */
    public static final long RECORDING_TICK_PHASE_NANOS = 2_380_000;

    /**
     * The same calibration for the other boots that recorded reference cases, by their {@code case.json} →
     * {@code kernel}: the phase is fixed for one boot, and the reference cases come from two. The boot of
     * {@code 6.18.44-fc-v1272} (TFTP, IRC, Amanda, SANE, SCTP, PPTP, SIP and the conntrack feature cases) is bounded
     * by {@code tftp_put_dnat}, whose expectations all printed 299 when matched: one created 3.57 ms past a 4 ms
     * multiple and matched 2.58 ms later, one created 3.97 ms past and matched 2.96 ms later. A tick fell in each
     * interval, which leaves 3.97 to 2.15 ms (across the multiple); 1.06 ms is the middle. Cases of
     * {@code 6.18.44-fc-v657} (the first ones: TCP, UDP, ICMP, FTP, NAT) use {@link #RECORDING_TICK_PHASE_NANOS}.
     */
    static final Map<String, Long> REFERENCE_BOOT_TICK_PHASE_NANOS = Map.of("6.18.44-fc-v1272", 1_060_000L);

    /** The calibrated tick phase of the boot that ran {@code kernel} (a case's {@code kernel}), or -1. */
    public static long referenceTickPhaseNanos(String kernel) {
        Long phase = kernel == null ? null : REFERENCE_BOOT_TICK_PHASE_NANOS.get(kernel);
        return phase == null ? -1 : phase;
    }

    /**
     * {@code table.txt} is the table as {@code conntrack -L} shows it this long after the last frame, as the kernel
     * cases took it ("about 0.5 s after the last packet"), unless the case says it waited longer
     * ({@link CaseSpec#tableAtNanos()}): an entry whose timeout ran out by then is destroyed by the dump (with its
     * DESTROY event) and not listed, the others show the time they have left then. No expiry scan runs in between.
     */
    public static final long TABLE_DELAY_NANOS = 500_000_000L;

    /** Creates the engine a replay runs on. */
    @FunctionalInterface
    public interface EngineSource {
        Conntrack create(String name, Clock clock, Map<String, String> sysctls) throws ReplayException;
    }

    /** Installs a ruleset into an engine; the registration removes it. */
    @FunctionalInterface
    public interface RulesetInstaller {
        Registration install(Conntrack net, String ruleset, String sourceName) throws ReplayException;
    }

    private Replay() {
    }

    /**
     * What {@code conntrack -L} does to expired entries it meets ({@code ctnetlink_dump_table}): destroys them, with
     * their DESTROY events, and does not list them. Linux meets them in hash-bucket order, which a new boot draws at
     * random; here they go in the order they expired.
     */
    private static void dumpEvictsExpired(Conntrack net) {
        long now = net.now();
        List<org.conntrack4j.core.api.Connection> expired = new ArrayList<>(
            net.table().connections(c -> c.isConfirmed() && c.isExpired(now)));
        expired.sort((a, b) -> Long.compare(a.timeout() - now, b.timeout() - now));
        for (org.conntrack4j.core.api.Connection c : expired) {
            net.packets().kill(c);
        }
    }

    /**
     * Runs the replay. A capture that turns out truncated or corrupt stops the replay at the problem: the
     * frames before it are processed and written, and the report names the file, offset and problem.
     */
    public static ReplayReport run(CaseSpec spec, Path outDir, EngineSource engines, RulesetInstaller rules,
        PrintStream progress) throws ReplayException, IOException {
        return run(spec, outDir, engines, rules, progress, -1);
    }

    /**
     * As {@link #run(CaseSpec, Path, EngineSource, RulesetInstaller, PrintStream)} with the clock's tick phase
     * given; a negative phase means the case's own ({@link CaseSpec#tickPhaseNanos()}), else
     * {@link #RECORDING_TICK_PHASE_NANOS}.
     */
    public static ReplayReport run(CaseSpec spec, Path outDir, EngineSource engines, RulesetInstaller rules,
        PrintStream progress, long tickPhaseNanos) throws ReplayException, IOException {
        try (FatalErrors fatal = FatalErrors.local()) {
            return run(spec, outDir, engines, rules, progress, tickPhaseNanos, false, fatal);
        }
    }

    /**
     * As {@link #run(CaseSpec, Path, EngineSource, RulesetInstaller, PrintStream, long)}, writing only
     * {@code ctstate.tsv} when {@code verdictsOnly} (no events, table or egress), and stopping at the first fatal
     * error: one the packet path throws (an {@link Error}, or an exception the engine did not expect), or one
     * {@code fatal} recorded from another thread. Then the rows, events and egress of the frames processed so far
     * are written and flushed (the table is not taken) and a {@link ReplayException} with
     * {@link ReplayException#FATAL} names the problem in one line.
     */
    public static ReplayReport run(CaseSpec spec, Path outDir, EngineSource engines, RulesetInstaller rules,
        PrintStream progress, long tickPhaseNanos, boolean verdictsOnly, FatalErrors fatal)
        throws ReplayException, IOException {
        return run(spec, outDir, engines, rules, progress, tickPhaseNanos, verdictsOnly, fatal, null);
    }

    /**
     * As {@link #run(CaseSpec, Path, EngineSource, RulesetInstaller, PrintStream, long, boolean, FatalErrors)}, noting
     * each frame's connection in {@code connections} (null: not kept) for a report.
     */
    public static ReplayReport run(CaseSpec spec, Path outDir, EngineSource engines, RulesetInstaller rules,
        PrintStream progress, long tickPhaseNanos, boolean verdictsOnly, FatalErrors fatal,
        PacketConnections connections) throws ReplayException, IOException {
        long started = System.nanoTime();
        // room to write the outputs out and say why after running out of memory
        byte[][] reserve = {new byte[RESERVE_BYTES]};
        Files.createDirectories(outDir);
        // what an earlier run left must not pass for this one's (a table after a fatal error, events after
        // --verdicts-only)
        for (String name : OUTPUTS) {
            Files.deleteIfExists(outDir.resolve(name));
        }
        long phase = tickPhaseNanos >= 0 ? tickPhaseNanos
            : spec.tickPhaseNanos() >= 0 ? spec.tickPhaseNanos() : RECORDING_TICK_PHASE_NANOS;
        ManualClock clock = new ManualClock(HZ, phase);
        Conntrack net = engines.create("replay:" + spec.name(), clock, spec.sysctls());
        // ctstate.tsv's reason column is the log Linux writes with nf_conntrack_log_invalid on for every protocol,
        // whatever the case set: the setting decides nothing else, and the rows are the replay's log
        net.settings().set(CoreSettings.LOG_INVALID, IpProto.RAW);
        List<Registration> regs = new ArrayList<>();
        long heldLimit = (Math.max(net.settings().get(CoreSettings.IPFRAG_TIME),
            net.settings().get(CoreSettings.FRAG6_TIMEOUT)) + 1) * 1_000_000_000L;
        try (VerdictRows rows = new VerdictRows(outDir.resolve("ctstate.tsv"), heldLimit);
             OutputStream events = verdictsOnly ? null : output(outDir.resolve("events.txt"));
             OutputStream expects = !verdictsOnly && spec.helperConfigured()
                 ? output(outDir.resolve("expect-events.txt")) : null;
             PcapNgWriter egress = verdictsOnly ? null : PcapNgWriter.create(outDir.resolve("egress.pcapng"))) {
            // the ruleset in force: its own slot, since a change replaces it while the capture runs
            Registration[] ruleset = {null};
            regs.add(() -> {
                if (ruleset[0] != null) {
                    ruleset[0].close();
                }
            });
            if (spec.ruleset() != null) {
                ruleset[0] = rules.install(net, spec.ruleset(), spec.rulesetName());
            }
            int nextChange = 0;
            boolean[] quiet = {false};
            // a listener's exception would be the engine's to log and survive: a failed write waits here instead
            IOException[] unwritten = {null};
            // the outputs' own thread, from the router's port names on (below)
            OutputStage[] stage = {null};
            if (!verdictsOnly) {
                regs.add(net.table().addListener(new ConntrackListener() {
                    @Override
                    public void onEvent(ConntrackEvent e) {
                        if (!quiet[0]) {
                            written(() -> stage[0].event(e), unwritten);
                        }
                    }

                    @Override
                    public void onExpectationEvent(ExpectationEvent e) {
                        if (expects != null) {
                            written(() -> stage[0].expectation(e), unwritten);
                        }
                    }
                }, true));
            }
            String defaultIface = spec.defaultInterface() != null ? spec.defaultInterface()
                : spec.interfaces().get(0).name();
            Set<String> routerNames = new HashSet<>();
            spec.interfaces().forEach(i -> routerNames.add(i.name()));
            RouterConfig config = RouterConfig.of(spec.interfaces()).withSockets(spec.sockets());
            CapturePeerSegments peers = null;
            if (spec.sockets().stream().anyMatch(s -> s.protocol == IpProto.TCP)) {
                // the local TCP stack adopts what the recording kernel drew from what the peers send next
                CapturePeerSegments p = new CapturePeerSegments(spec.capture(), spec.interfaceMap(), routerNames,
                    defaultIface);
                regs.add(p::close);
                peers = p;
                config = config.withPeerSegments(p);
            }
            Router router = Routers.create(net, config);
            regs.add(router::close);
            List<String> portNames = new ArrayList<>();
            router.devices().forEach(d -> portNames.add(d.name()));
            OutputStage out = new OutputStage(spec.name(), rows, events, expects, egress, spec.labels(), portNames);
            stage[0] = out;
            // its thread ends with the replay, whatever way it ends
            regs.add(out::close);
            Forwarder forwarder = router.forwarder(verdictsOnly ? (port, t, b, o, n) -> { }
                : (port, t, b, o, n) -> out.sent(port, t, b, o, n));
            if (spec.adoptRandomPorts()) {
                // Replies in the capture go to the ports the recording kernel picked at random for clashing flows.
                regs.add(RecordedPortAdoption.install(net, router.devices()));
            }
            String problem = null;
            Throwable failure = null;
            int frames = 0;
            int done = 0;
            Result result = new Result();
            long firstTs = Long.MIN_VALUE;
            long lastTs = 0;
            long lastProgress = 0;
            boolean progressShown = false;
            long size = Math.max(1, Files.size(spec.capture()));
            IngressFrames ingress = new IngressFrames(spec.interfaceMap(), Set.copyOf(portNames), defaultIface,
                spec.interfaces());
            List<TableOperation> ops = spec.operations();
            int nextOp = 0;
            try (CaptureReader file = CaptureReader.open(spec.capture());
                 // read and decoded on a thread of its own
                 CaptureAhead reader = new CaptureAhead(file, "replay-input " + spec.name())) {
                CaptureFrame f;
                while (fatal.error() == null && (f = reader.next()) != null) {
                    frames++;
                    long ts = f.timestampNanos();
                    if (firstTs == Long.MIN_VALUE) {
                        firstTs = ts;
                    }
                    nextOp = operate(net, clock, ops, nextOp, ts);
                    clock.setWallNanos(ts);
                    lastTs = ts;
                    net.table().expire();
                    while (nextChange < spec.rulesetChanges().size()
                        && ts >= firstTs + spec.rulesetChanges().get(nextChange).atNanos()) {
                        // nft -f of "flush ruleset" and the new one: the old tables and their objects go
                        CaseSpec.RulesetChange change = spec.rulesetChanges().get(nextChange++);
                        if (ruleset[0] != null) {
                            ruleset[0].close();
                            ruleset[0] = null;
                        }
                        ruleset[0] = rules.install(net, change.ruleset(), spec.name() + " ruleset_changes["
                            + (nextChange - 1) + "]");
                    }
                    ingress.take(f);
                    String iface = ingress.iface;
                    // as captured: the router may rewrite the frame in place
                    out.frame(f.index(), ts, ts - firstTs, iface, f.array(), ingress.offset, ingress.length,
                        ingress.network, f.capturedLength());
                    if (peers != null) {
                        // what the router's own TCP owes by now (an ACK after its reader drained the queue), its
                        // look ahead still including this frame
                        forwarder.tick(ts);
                        peers.at(f.index(), ts);
                    }
                    if (ingress.skip == null) {
                        forwarder.receive(iface, ingress.linkType, f.array(), ingress.offset, ingress.length, ts, f.index(),
                            result);
                    } else {
                        result.clear();
                        result.note = ingress.skip;
                    }
                    out.result(result);
                    if (connections != null) {
                        connections.first(ts);
                        note(connections, result, f.index());
                    }
                    done++;
                    if (unwritten[0] != null) {
                        throw unwritten[0];
                    }
                    if (progress != null && (frames & 1023) == 0) {
                        long t = System.nanoTime();
                        // only a replay that lasts: the first line after PROGRESS_AFTER_NANOS, then twice a second
                        if (t - started > PROGRESS_AFTER_NANOS && t - lastProgress > 500_000_000L) {
                            lastProgress = t;
                            progressShown = true;
                            progress.print(progressLine(spec.name(), frames, t - started, reader.offset(), size));
                            progress.flush();
                        }
                    }
                }
            } catch (CaptureFormatException e) {
                problem = e.getMessage();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } catch (OutOfMemoryError e) {
                reserve[0] = null;
                failure = e;
            } catch (RuntimeException | Error e) {
                failure = e;
            }
            // what was processed is written whatever happened; fragments whose datagram never completed were never
            // seen by conntrack
            try {
                out.drain();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } catch (RuntimeException | Error e) {
                failure = failure != null ? failure : e;
            }
            if (failure != null) {
                fatal.uncaughtException(null, failure);
            }
            rows.finish();
            if (fatal.error() != null) {
                throw new ReplayException("fatal: " + fatal.describe() + " after " + done + " frames of "
                    + spec.capture() + " (the outputs hold them)", ReplayException.FATAL, fatal.error());
            }
            if (progressShown) {
                progress.println(progressLine(spec.name(), frames, System.nanoTime() - started, size, size));
            }
            if (verdictsOnly) {
                return new ReplayReport(spec.name(), frames, rows.states(), 0, 0, 0, 0, problem,
                    System.nanoTime() - started, spec.adoptRandomPorts());
            }
            if (frames > 0) {
                long at = lastTs + TABLE_DELAY_NANOS;
                if (spec.tableAtNanos() >= 0) {
                    at = Math.max(at, firstTs + spec.tableAtNanos());
                }
                // the operations the recording did before it took the table
                operate(net, clock, ops, nextOp, at);
                clock.setWallNanos(at);
                if (peers != null) {
                    forwarder.tick(at);
                }
            }
            quiet[0] = spec.eventsUntilTable();
            dumpEvictsExpired(net);
            int listed = writeTable(net, spec, outDir, out);
            if (unwritten[0] != null) {
                throw unwritten[0];
            }
            return new ReplayReport(spec.name(), frames, rows.states(), egress.framesWritten(), out.eventsWritten(),
                out.expectationsWritten(), listed, problem, System.nanoTime() - started, spec.adoptRandomPorts()).withIngress(ingress.warnings(),
                ingress.noneMapped());
        } finally {
            for (int i = regs.size() - 1; i >= 0; i--) {
                regs.get(i).close();
            }
            net.close();
            Reference.reachabilityFence(reserve);
        }
    }

    /** A replay shows progress (on a terminal) once it has run this long. */
    static final long PROGRESS_AFTER_NANOS = 3_000_000_000L;

    /**
     * The progress line, from its start ({@code \r}): packets so far, their rate, how far into the capture file and
     * the time left at that pace (from the bytes read, as the file's frames are not counted in advance).
     */
    static String progressLine(String name, long frames, long elapsedNanos, long offset, long size) {
        double seconds = Math.max(elapsedNanos, 1) / 1e9;
        double done = Math.min(1.0, (double) offset / Math.max(size, 1));
        StringBuilder b = new StringBuilder(96).append("\rreplay ").append(name).append(": ")
            .append(String.format(java.util.Locale.ROOT, "%,d packets, %,.0f/s, %d%%", frames, frames / seconds,
                (int) (done * 100)));
        if (done < 1.0 && done > 0) {
            long left = Math.round(seconds * (1 - done) / done);
            b.append(", about ").append(left >= 120 ? left / 60 + " min" : left + " s").append(" left");
        }
        // the rest of a longer line before it
        return b.append("      ").toString();
    }

    /** Notes the frame's connection, and that of the fragments its datagram was rebuilt from. */
    private static void note(PacketConnections connections, Result result, long index) {
        if (!result.hasCt) {
            return;
        }
        connections.put(index, result.ctId);
        for (int i = 0; i < result.absorbedCount; i++) {
            connections.put(result.absorbed[i], result.ctId);
        }
    }

    /** Every file a replay writes. */
    private static final List<String> OUTPUTS = List.of("ctstate.tsv", "events.txt", "expect-events.txt", "table.txt",
        "table.xml", "egress.pcapng");

    /** Memory set aside for the way out of an {@link OutOfMemoryError}: closing the outputs and saying why. */
    private static final int RESERVE_BYTES = 4 << 20;

    /**
     * {@code table.txt} ({@code conntrack -L -o extended,id,labels}) and {@code table.xml} ({@code -o xml,labels}: the
     * document only around flows), one connection at a time; returns the connections listed.
     */
    private static int writeTable(Conntrack net, CaseSpec spec, Path outDir, OutputStage out) throws IOException {
        long now = net.now();
        int n = 0;
        TextBuffer line = new TextBuffer(1024);
        try (OutputStream t = output(outDir.resolve("table.txt"));
             OutputStream x = output(outDir.resolve("table.xml"))) {
            // table.xml on the outputs' thread, table.txt here: each formats half of every connection
            out.tableXml(x);
            for (org.conntrack4j.core.api.Connection c : net.table().connections(null)) {
                if (c.timeout() - now <= 0) {
                    continue;
                }
                ConnectionSnapshot s = net.table().snapshot(c);
                CtFormat.appendListLine(line.clear(), s, true, true, spec.labels(), false).ch('\n').writeTo(t);
                out.flow(s);
                n++;
            }
            // the events (the dump's destroys) and table.xml written, and the thread ended
            out.finish();
            if (n > 0) {
                line.clear().str(CtFormat.XML_FOOTER).ch('\n').writeTo(x);
            }
        }
        return n;
    }

    /**
     * Does the table operations from {@code next} on that the recording router did before {@code until}, each at its
     * own time; returns the index of the first one left.
     */
    private static int operate(Conntrack net, ManualClock clock, List<TableOperation> ops, int next, long until) {
        int i = next;
        for (; i < ops.size() && ops.get(i).timeNanos() < until; i++) {
            clock.setWallNanos(ops.get(i).timeNanos());
            net.table().expire();
            ops.get(i).apply(net);
        }
        return i;
    }

    /** A text output: lines go in as UTF-8 bytes ({@link TextBuffer}), not through a Writer's encoder. */
    private static OutputStream output(Path p) throws IOException {
        return FileOutput.create(p);
    }

    /** An output's write that may fail. */
    @FunctionalInterface
    private interface Write {
        void run() throws IOException;
    }

    /** Does {@code w}, or keeps the first failure in {@code failed} (a listener cannot throw it). */
    private static void written(Write w, IOException[] failed) {
        if (failed[0] != null) {
            return;
        }
        try {
            w.run();
        } catch (IOException e) {
            failed[0] = e;
        }
    }
}
