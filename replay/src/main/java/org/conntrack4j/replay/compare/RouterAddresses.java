package org.conntrack4j.replay.compare;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.conntrack4j.replay.json.JsonParser;
import org.conntrack4j.replay.json.JsonSyntaxException;

/** The router's own addresses, from case.json's topology.router_interfaces (ipv4 and ipv6 of each interface). */
final class RouterAddresses {
    private RouterAddresses() {
    }

    /**
     * The addresses as {@link AddressText} prints them; empty when case.json is missing, not JSON, or lacks the
     * topology (as in compare.py). An entry compare.py would choke on (not text, not an address) is skipped.
     */
    static Set<String> read(Path caseDir) {
        Set<String> found = new HashSet<>();
        Object interfaces;
        try {
            Object root = JsonParser.parse(caseDir.resolve("case.json"));
            interfaces = member(member(root, "topology"), "router_interfaces");
        } catch (IOException | JsonSyntaxException e) {
            return found;
        }
        if (!(interfaces instanceof Map)) {
            return found;
        }
        for (Object iface : ((Map<?, ?>) interfaces).values()) {
            for (String family : new String[] {"ipv4", "ipv6"}) {
                Object value = member(iface, family);
                if (!(value instanceof String)) {
                    continue; // null (no address of that family), or something compare.py would fail on
                }
                for (String a : ((String) value).replace(",", " ").split("[" + PyText.SPACE_CLASS + "]+")) {
                    String text = a.isEmpty() ? null : AddressText.ofInterface(a);
                    if (text != null) {
                        found.add(text);
                    }
                }
            }
        }
        return found;
    }

    private static Object member(Object object, String name) {
        return object instanceof Map ? ((Map<?, ?>) object).get(name) : null;
    }
}
