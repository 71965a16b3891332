package org.conntrack4j.shell;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandSession;
import org.conntrack4j.command.Output;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.text.CtFormat;
import org.conntrack4j.core.text.CtJson;
import org.conntrack4j.core.text.LabelMap;

/**
 * {@code ct:events} ({@code conntrack -E}, {@code conntrack -E expect}): the engine's events as conntrack prints them,
 * until a count, a time or an interruption. The listener's queue is the netlink socket's receive buffer: it holds as
 * many events as the buffer's bytes hold netlink messages ({@link #EVENT_BYTES} each), and when it is full events are
 * lost and conntrack's ENOBUFS warning is printed before the events still queued, and the command goes on.
 */
final class CtEvents {
    /**
     * Bytes of receive buffer one event takes: the kernel charges a message's {@code truesize}; Linux 6.18's event
     * socket, with {@code net.core.rmem_default}'s 212992 bytes, held 166 NEW events of UDP before it overflowed.
     */
    static final int EVENT_BYTES = 1280;
    /** {@code net.core.rmem_default}: the buffer of conntrack's event socket without {@code --buffer-size}. */
    static final int RMEM_DEFAULT = 212992;
    /** {@code SOCK_MIN_RCVBUF}: the least a socket's receive buffer is set to. */
    static final int SOCK_MIN_RCVBUF = 2304;
    /** conntrack's words when its event socket reports ENOBUFS. */
    static final String ENOBUFS_WARNING = "WARNING: We have hit ENOBUFS! We are losing events.\n"
        + "This message means that the current netlink socket buffer size is too small.\n"
        + "Please, check --buffer-size in conntrack(8) manpage.";
    private static final Object OVERFLOW = new Object();

    private final Conntrack net;

    CtEvents(Conntrack net) {
        this.net = net;
    }

    void run(CommandSession session, String... args) throws InterruptedException {
        long max = Long.MAX_VALUE;
        long seconds = Long.MAX_VALUE / 2_000_000_000L;
        boolean timestamp = false;
        boolean extended = false;
        boolean id = false;
        boolean xml = false;
        boolean json = false;
        boolean ktimestamp = false;
        LabelMap labels = null;
        int types = CtFilter.ALL_EVENTS;
        long bufferBytes = RMEM_DEFAULT;
        boolean expect = args.length > 0 && args[0].equals("expect");
        for (int i = expect ? 1 : 0; i < args.length; i++) {
            String a = args[i];
            if (!List.of("-o", "--output", "-e", "--event-mask", "-n", "-t", "-b", "--buffer-size").contains(a)) {
                throw new IllegalArgumentException("unknown option " + a);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "-o": case "--output":
                    for (String o : v.split(",")) {
                        switch (o.trim()) {
                            case "timestamp": timestamp = true; break;
                            case "extended": extended = true; break;
                            case "id": id = true; break;
                            case "xml": xml = true; break;
                            case "json": json = true; break;
                            case "ktimestamp": ktimestamp = true; break;
                            case "labels": labels = CtFilter.labelMap(); break;
                            // events of other processes' changes: there are none here
                            case "userspace": break;
                            default: throw new IllegalArgumentException("unknown output option " + o);
                        }
                    }
                    break;
                case "-e": case "--event-mask":
                    if (expect) {
                        throw new IllegalArgumentException("Illegal option `--event-mask' with this command");
                    }
                    types = CtFilter.eventTypes(v);
                    break;
                case "-n": max = Long.parseLong(v); break;
                case "-t": seconds = Long.parseLong(v); break;
                default:
                    // -b: the socket's receive buffer, which the kernel doubles (SO_RCVBUFFORCE), at least its minimum
                    bufferBytes = Math.max(2 * CtFilter.u32(v, "buffer size") & 0xffffffffL, SOCK_MIN_RCVBUF);
                    System.err.println("NOTICE: Netlink socket buffer size has been set to " + bufferBytes + " bytes.");
                    break;
            }
        }
        if (expect && (xml || json || extended || id || ktimestamp || labels != null)) {
            throw new IllegalArgumentException("ct:events expect takes -o timestamp only");
        }
        if (json && (xml || extended || id || ktimestamp || labels != null || timestamp)) {
            throw new IllegalArgumentException("-o json takes no other output option (it carries them all)");
        }
        // the handoff to this thread blocks the listener's thread until this one takes the line: events wait in the
        // engine's queue, the socket buffer
        BlockingQueue<Object> lines = new SynchronousQueue<>();
        LabelMap map = labels;
        boolean ts = timestamp;
        boolean ext = extended;
        boolean showId = id;
        boolean asXml = xml;
        boolean asJson = json;
        boolean kts = ktimestamp;
        int wanted = types;
        ConntrackListener listener = new ConntrackListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                if (!expect && (wanted & (1 << e.type())) != 0) {
                    hand(lines, asJson ? CtJson.event(e) : asXml ? CtFormat.xmlEvent(e, ts, map)
                        : CtFormat.event(e, ts, ext, showId, map, kts));
                }
            }

            @Override
            public void onExpectationEvent(ExpectationEvent e) {
                if (expect) {
                    hand(lines, CtFormat.expectationEvent(e, ts));
                }
            }

            @Override
            public void onOverflow(long lost) {
                hand(lines, OVERFLOW);
            }
        };
        Registration reg = net.table().addListener(listener, (int) Math.max(1, bufferBytes / EVENT_BYTES));
        long n = 0;
        PrintStream out = Output.of(session);
        try {
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            while (n < max) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                Object l;
                try {
                    l = lines.poll(Math.min(left, 200_000_000L), TimeUnit.NANOSECONDS);
                } catch (InterruptedException ctrlC) {
                    // Ctrl-C in the shell interrupts the command: end as conntrack -E ends on SIGINT
                    break;
                }
                if (l == OVERFLOW) {
                    // conntrack warns and goes on
                    out.flush();
                    System.err.println(ENOBUFS_WARNING);
                } else if (l != null) {
                    // conntrack opens the XML document with the first event
                    if (xml && n == 0) {
                        out.println(CtFormat.XML_HEADER);
                    }
                    out.println(l);
                    out.flush();
                    n++;
                }
            }
        } finally {
            reg.close();
            if (xml && n > 0) {
                out.println(CtFormat.XML_FOOTER);
            }
            out.flush();
            System.err.println(CtChangeCommands.TOOL + ": " + n + (expect ? " expectation" : " flow")
                + " events have been shown.");
        }
    }

    /** Hands a line to the command's thread, waiting while it is busy; gives up when the listener is removed. */
    private static void hand(BlockingQueue<Object> lines, Object line) {
        try {
            lines.put(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
