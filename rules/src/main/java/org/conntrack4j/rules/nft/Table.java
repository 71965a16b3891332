package org.conntrack4j.rules.nft;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A table: family, name, its objects ({@code ct helper}, {@code ct timeout}, {@code ct expectation}, in the order
 * declared), its named sets and its chains (in declaration order). Equality ignores position.
 */
public record Table(Family family, String name, List<TableObject> objects, List<NamedSet> sets, List<Chain> chains,
        SourcePos position) {
    public Table {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(name, "name");
        objects = List.copyOf(objects);
        sets = List.copyOf(sets);
        chains = List.copyOf(chains);
        Objects.requireNonNull(position, "position");
    }

    /** A table with ct helper objects and chains only. */
    public Table(Family family, String name, List<CtHelperObject> ctHelpers, List<Chain> chains, SourcePos position) {
        this(family, name, List.<TableObject>copyOf(ctHelpers), List.of(), chains, position);
    }

    /** The table's ct helper objects, in declaration order. */
    public List<CtHelperObject> ctHelpers() {
        return objectsOf(CtHelperObject.class);
    }

    /** The table's objects of one kind, in declaration order. @since 1.2 */
    public <T extends TableObject> List<T> objectsOf(Class<T> kind) {
        List<T> out = new ArrayList<>();
        for (TableObject o : objects) {
            if (kind.isInstance(o)) {
                out.add(kind.cast(o));
            }
        }
        return out;
    }

    public Optional<Chain> chain(String chainName) {
        return chains.stream().filter(c -> c.name().equals(chainName)).findFirst();
    }

    public Optional<CtHelperObject> ctHelper(String helperName) {
        return object(CtHelperObject.class, helperName);
    }

    /** The object of that kind and name. @since 1.2 */
    public <T extends TableObject> Optional<T> object(Class<T> kind, String objectName) {
        return objects.stream().filter(o -> kind.isInstance(o) && o.name().equals(objectName)).map(kind::cast)
                .findFirst();
    }

    /** The named set. @since 1.2 */
    public Optional<NamedSet> set(String setName) {
        return sets.stream().filter(s -> s.name().equals(setName)).findFirst();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Table t && t.family == family && t.name.equals(name) && t.objects.equals(objects)
                && t.sets.equals(sets) && t.chains.equals(chains);
    }

    @Override
    public int hashCode() {
        return Objects.hash(family, name, objects, sets, chains);
    }

    /** The table as {@code nft list ruleset} prints it (objects, sets, flowtables, then chains, a blank line between). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("table ").append(family.keyword()).append(' ').append(name).append(" {\n");
        boolean first = true;
        for (TableObject o : objects) {
            if (o instanceof FlowtableObject) {
                continue;
            }
            if (!first) {
                sb.append('\n');
            }
            o.format(sb, "\t");
            sb.append('\n');
            first = false;
        }
        for (NamedSet s : sets) {
            if (!first) {
                sb.append('\n');
            }
            s.format(sb, "\t");
            sb.append('\n');
            first = false;
        }
        // nft lists objects, sets, flowtables, then chains
        for (FlowtableObject f : objectsOf(FlowtableObject.class)) {
            if (!first) {
                sb.append('\n');
            }
            f.format(sb, "\t");
            sb.append('\n');
            first = false;
        }
        for (Chain c : chains) {
            if (!first) {
                sb.append('\n');
            }
            c.format(sb, "\t");
            sb.append('\n');
            first = false;
        }
        return sb.append('}').toString();
    }
}
