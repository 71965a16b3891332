package org.conntrack4j.rules.nft;

import java.util.List;
import java.util.Objects;

/**
 * A {@code flowtable NAME { hook ingress priority P; devices = { DEV, ... }; counter; }} object: Linux's flowtable
 * ({@code nf_flowtable}), which connections join with {@code flow add @NAME} in the forward hook and whose packets
 * arriving on the devices are then forwarded from ingress without the hooks. The hook is always ingress (the only
 * one the kernel has for flowtables); the priority orders flowtables of one device. Printed as nft 1.0.6 lists it
 * (device names unquoted). Equality ignores the position and the priority's spelling.
 *
 * @since 1.4
 */
public record FlowtableObject(String name, ChainPriority priority, List<String> devices, boolean counter,
        SourcePos position) implements TableObject {

    /** nft's netdev family has one standard priority, {@code filter} (0), printed as for chains (within 10). */
    static final String FILTER = "filter";

    public FlowtableObject {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(priority, "priority");
        devices = List.copyOf(devices);
        Objects.requireNonNull(position, "position");
    }

    /** The priority as nft prints it: {@code filter}, {@code filter + N} / {@code - N} within 10, else the number. */
    public String priorityText() {
        int v = priority.value();
        if (v == 0) {
            return FILTER;
        }
        if (Math.abs((long) v) <= StandardPriority.PRINT_RANGE) {
            return FILTER + (v > 0 ? " + " : " - ") + Math.abs(v);
        }
        return Integer.toString(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowtableObject f && f.name.equals(name) && f.priority.equals(priority)
                && f.devices.equals(devices) && f.counter == counter;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, priority, devices, counter);
    }

    @Override
    public void format(StringBuilder sb, String indent) {
        sb.append(indent).append("flowtable ").append(name).append(" {\n");
        sb.append(indent).append("\thook ingress priority ").append(priorityText()).append('\n');
        if (!devices.isEmpty()) {
            sb.append(indent).append("\tdevices = { ").append(String.join(", ", devices)).append(" }\n");
        }
        if (counter) {
            sb.append(indent).append("\tcounter\n");
        }
        sb.append(indent).append('}');
    }

    @Override
    public String toString() {
        return TableObject.text(this);
    }
}
