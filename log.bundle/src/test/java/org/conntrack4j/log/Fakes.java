package org.conntrack4j.log;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.log.admin.LoggerContext;

/** Stand-ins for the Log Service's objects, as much of them as the log bundle uses. */
final class Fakes {
    private Fakes() {
    }

    static Bundle bundle(String name) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
            (p, m, a) -> m.getName().equals("getSymbolicName") ? name : null);
    }

    static LogEntry entry(LogLevel level, String bundle, String logger, String message, Throwable t) {
        Bundle b = bundle == null ? null : bundle(bundle);
        return (LogEntry) Proxy.newProxyInstance(LogEntry.class.getClassLoader(), new Class<?>[] {LogEntry.class},
            (p, m, a) -> switch (m.getName()) {
                case "getLogLevel" -> level;
                case "getBundle" -> b;
                case "getLoggerName" -> logger;
                case "getMessage" -> message;
                case "getException" -> t;
                case "getTime" -> 0L;
                default -> null;
            });
    }

    /** A reader whose history is {@code history} (newest first, as the Log Service lists it). */
    static LogReaderService reader(List<LogEntry> history, List<LogListener> listeners) {
        return (LogReaderService) Proxy.newProxyInstance(LogReaderService.class.getClassLoader(),
            new Class<?>[] {LogReaderService.class}, (p, m, a) -> switch (m.getName()) {
                case "getLog" -> Collections.enumeration(history);
                case "addLogListener" -> listeners.add((LogListener) a[0]);
                case "removeLogListener" -> listeners.remove(a[0]);
                default -> null;
            });
    }

    /** A LoggerAdmin with maps for levels, effective levels looked up as the specification says. */
    static LoggerAdmin admin() {
        Map<String, Map<String, LogLevel>> contexts = new HashMap<>();
        return (LoggerAdmin) Proxy.newProxyInstance(LoggerAdmin.class.getClassLoader(),
            new Class<?>[] {LoggerAdmin.class}, (p, m, a) -> context(contexts, (String) a[0]));
    }

    private static LoggerContext context(Map<String, Map<String, LogLevel>> contexts, String name) {
        return (LoggerContext) Proxy.newProxyInstance(LoggerContext.class.getClassLoader(),
            new Class<?>[] {LoggerContext.class}, (p, m, a) -> switch (m.getName()) {
                case "getName" -> name;
                case "getLogLevels" -> new HashMap<>(contexts.getOrDefault(name, Map.of()));
                case "setLogLevels" -> {
                    @SuppressWarnings("unchecked")
                    Map<String, LogLevel> l = (Map<String, LogLevel>) a[0];
                    contexts.put(name, new HashMap<>(l));
                    yield null;
                }
                case "getEffectiveLogLevel" -> effective(contexts, name, (String) a[0]);
                default -> null;
            });
    }

    /** The logger's name, then its ancestors by dots, then ROOT: in the named context, then in the root one. */
    private static LogLevel effective(Map<String, Map<String, LogLevel>> contexts, String name, String logger) {
        List<String> names = new ArrayList<>();
        for (String n = logger; ; n = n.substring(0, n.lastIndexOf('.'))) {
            names.add(n);
            if (n.lastIndexOf('.') < 0) {
                break;
            }
        }
        names.add("ROOT");
        for (String c : name == null ? new String[] {null} : new String[] {name, null}) {
            Map<String, LogLevel> levels = contexts.getOrDefault(c, Map.of());
            for (String n : names) {
                if (levels.containsKey(n)) {
                    return levels.get(n);
                }
            }
        }
        return LogLevel.WARN;
    }
}
