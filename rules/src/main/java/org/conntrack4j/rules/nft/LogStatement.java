package org.conntrack4j.rules.nft;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code log [prefix "..."] [group N] [level L]}. With a group the packet goes to nflog and no level applies
 * (nft refuses both together); without one it goes to the kernel log at {@code level}, {@link Level#WARN} unless
 * given. {@link Level#AUDIT} sends an audit record and takes no other option (nft refuses a prefix or group with
 * it).
 */
public record LogStatement(Optional<String> prefix, OptionalInt group, Level level) implements Statement {

    /** Syslog levels, plus audit, with the numbers the kernel uses. */
    public enum Level {
        EMERG("emerg", 0),
        ALERT("alert", 1),
        CRIT("crit", 2),
        ERR("err", 3),
        WARN("warn", 4),
        NOTICE("notice", 5),
        INFO("info", 6),
        DEBUG("debug", 7),
        AUDIT("audit", 8);

        private final String keyword;
        private final int number;

        Level(String keyword, int number) {
            this.keyword = keyword;
            this.number = number;
        }

        public String keyword() {
            return keyword;
        }

        public int number() {
            return number;
        }

        public static Optional<Level> fromKeyword(String word) {
            for (Level l : values()) {
                if (l.keyword.equals(word)) {
                    return Optional.of(l);
                }
            }
            return Optional.empty();
        }
    }

    public LogStatement {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(level, "level");
        if (group.isPresent() && level != Level.WARN) {
            throw new IllegalArgumentException("log level and group are mutually exclusive");
        }
        if (level == Level.AUDIT && prefix.isPresent()) {
            throw new IllegalArgumentException("log level audit doesn't support any further options");
        }
    }

    /** Printed as nft lists it: prefix, then group, then a level other than warn. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("log");
        prefix.ifPresent(p -> sb.append(" prefix \"").append(p).append('"'));
        group.ifPresent(g -> sb.append(" group ").append(g));
        if (level != Level.WARN) {
            sb.append(" level ").append(level.keyword());
        }
        return sb.toString();
    }
}
