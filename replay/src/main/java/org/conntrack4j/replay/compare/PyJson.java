package org.conntrack4j.replay.compare;

import java.util.Collection;
import java.util.Map;

/**
 * Renders results the way Python's {@code json.dumps} does with its defaults (", " and ": " separators, every
 * character outside printable ASCII escaped), so the port's output can be diffed against compare.py's.
 */
final class PyJson {
    private PyJson() {
    }

    static String dumps(Object value) {
        StringBuilder sb = new StringBuilder();
        append(sb, value);
        return sb.toString();
    }

    static void append(StringBuilder sb, Object value) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof String) {
            quote(sb, (String) value);
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
            sb.append(value);
        } else if (value instanceof Map) {
            sb.append('{');
            String sep = "";
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                sb.append(sep);
                quote(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                append(sb, e.getValue());
                sep = ", ";
            }
            sb.append('}');
        } else if (value instanceof Collection) {
            sb.append('[');
            String sep = "";
            for (Object item : (Collection<?>) value) {
                sb.append(sep);
                append(sb, item);
                sep = ", ";
            }
            sb.append(']');
        } else {
            throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                case '\b':
                    sb.append("\\b");
                    break;
                case '\f':
                    sb.append("\\f");
                    break;
                default:
                    if (c < 0x20 || c > 0x7E) {
                        sb.append(String.format("\\u%04x", (int) c)); // UTF-16 units: surrogate pairs as Python
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
