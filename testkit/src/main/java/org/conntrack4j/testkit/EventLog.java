package org.conntrack4j.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.conntrack4j.core.api.Conntrack;
import org.conntrack4j.core.api.ConntrackEvent;
import org.conntrack4j.core.api.ExpectationEvent;
import org.conntrack4j.core.api.Registration;
import org.conntrack4j.core.spi.ConntrackListener;
import org.conntrack4j.core.text.CtFormat;

/**
 * Records an engine's events as {@code conntrack -E} prints them ({@code -o extended,id}, no timestamp), in the
 * order delivered, and its expectation events as {@code conntrack -E expect}; the event objects too. Registered as
 * a synchronous listener, so that a packet's events are recorded when the packet is done. The lists are live and
 * may be cleared.
 */
public final class EventLog implements ConntrackListener, AutoCloseable {
    /** Lines exactly as printed. */
    public static final UnaryOperator<String> AS_PRINTED = UnaryOperator.identity();
    /** Without the connection id (the line's last field), trimmed. */
    public static final UnaryOperator<String> WITHOUT_ID = EventLog::withoutId;
    /** Without connection id and use count, blanks collapsed: what a test compares with a literal. */
    public static final UnaryOperator<String> COMPACT = EventLog::compact;

    private static final Pattern TRAILING_ID = Pattern.compile("\\s+id=\\d+\\s*$");
    private static final Pattern USE = Pattern.compile(" use=\\d+");
    private static final Pattern BLANKS = Pattern.compile("\\s+");

    private final UnaryOperator<String> form;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<ConntrackEvent> raw = new CopyOnWriteArrayList<>();
    private final List<String> expectations = new CopyOnWriteArrayList<>();
    private final List<ExpectationEvent> rawExpectations = new CopyOnWriteArrayList<>();
    private Registration registration;

    /** A log keeping lines in {@code form}; not yet listening. */
    public EventLog(UnaryOperator<String> form) {
        this.form = form;
    }

    /** A synchronous listener on {@code net} keeping lines in {@code form}. */
    public static EventLog attach(Conntrack net, UnaryOperator<String> form) {
        EventLog log = new EventLog(form);
        log.registration = net.table().addListener(log, true);
        return log;
    }

    /** The connection events, one line each. */
    public List<String> lines() {
        return lines;
    }

    public List<ConntrackEvent> raw() {
        return raw;
    }

    /** The expectation events, as printed. */
    public List<String> expectations() {
        return expectations;
    }

    public List<ExpectationEvent> rawExpectations() {
        return rawExpectations;
    }

    /** Forgets everything recorded so far. */
    public void clear() {
        lines.clear();
        raw.clear();
        expectations.clear();
        rawExpectations.clear();
    }

    @Override
    public void onEvent(ConntrackEvent e) {
        raw.add(e);
        lines.add(form.apply(CtFormat.event(e, false)));
    }

    @Override
    public void onExpectationEvent(ExpectationEvent e) {
        rawExpectations.add(e);
        expectations.add(CtFormat.expectationEvent(e, false));
    }

    /** Stops listening. */
    @Override
    public void close() {
        if (registration != null) {
            registration.close();
            registration = null;
        }
    }

    /** A {@code conntrack -E} or {@code -L} line without its trailing connection id, trimmed. */
    public static String withoutId(String line) {
        return TRAILING_ID.matcher(line).replaceFirst("").trim();
    }

    /** {@link #withoutId}, without {@code use=N}, blanks collapsed. */
    public static String compact(String line) {
        return BLANKS.matcher(USE.matcher(withoutId(line)).replaceAll("")).replaceAll(" ").trim();
    }
}
