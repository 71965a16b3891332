package org.conntrack4j.core.api;

/**
 * A connection for {@link ConntrackTable#create} to insert, described as ctnetlink receives one
 * ({@code ctnetlink_create_conntrack}, {@code conntrack -I}, a state synchronisation's commit): the original tuple,
 * the reply tuple (or the tracker's inverse of the original), the timeout in seconds, which Linux requires, and
 * optionally status bits, a mark, a zone, labels and the tracker's state. Immutable: start from {@link #of} and add
 * what the connection has. The tuples are copied in and out.
 *
 * @since 2.1
 */
public final class NewConnection {
    /** {@link ConntrackTable#create}: inserted, confirmed, with a NEW event. */
    public static final int CREATED = 0;
    /** {@link ConntrackTable#create}: a connection with that original or reply tuple is in the table ({@code EEXIST}). */
    public static final int EXISTS = -1;
    /**
     * {@link ConntrackTable#create}: refused as ctnetlink refuses it ({@code EINVAL}, {@code EBUSY}): tuples of
     * different families or protocols, no inverse of the original, a status bit userspace may not set, a state its
     * tracker does not take.
     */
    public static final int INVALID = -2;
    /** {@link ConntrackTable#create}: the table is full and nothing could be dropped early ({@code ENOMEM}). */
    public static final int TABLE_FULL = -3;

    private final Tuple original;
    private final Tuple reply;
    private final long timeoutSeconds;
    private final int status;
    private final int mark;
    private final int zone;
    private final long labelsLo;
    private final long labelsHi;
    private final ProtoInfo protoInfo;

    private NewConnection(Tuple original, Tuple reply, long timeoutSeconds, int status, int mark, int zone,
        long labelsLo, long labelsHi, ProtoInfo protoInfo) {
        this.original = original;
        this.reply = reply;
        this.timeoutSeconds = timeoutSeconds;
        this.status = status;
        this.mark = mark;
        this.zone = zone;
        this.labelsLo = labelsLo;
        this.labelsHi = labelsHi;
        this.protoInfo = protoInfo;
    }

    /**
     * A connection with this original tuple (family, protocol, addresses, the protocol's two fields as its tracker
     * reads them from a packet) that expires {@code timeoutSeconds} from its insertion, unless its packets refresh
     * it; zone 0, no mark, no labels, no status bits, the reply tuple the tracker's inverse.
     */
    public static NewConnection of(Tuple original, long timeoutSeconds) {
        if (timeoutSeconds < 0) {
            throw new IllegalArgumentException("timeout " + timeoutSeconds + " s");
        }
        return new NewConnection(new Tuple().copyFrom(original), null, timeoutSeconds, 0, 0, 0, 0, 0, null);
    }

    /** Also the reply tuple, as NAT would have made it (address and ports of the translated connection). */
    public NewConnection withReply(Tuple r) {
        return new NewConnection(original, new Tuple().copyFrom(r), timeoutSeconds, status, mark, zone, labelsLo,
            labelsHi, protoInfo);
    }

    /**
     * Also these {@link Status} bits (ASSURED, SEEN_REPLY, FIXED_TIMEOUT, ...). Bits userspace may not set
     * ({@link Status#UNCHANGEABLE_MASK}) are ignored, as ctnetlink ignores them, except EXPECTED, which makes
     * {@link ConntrackTable#create} refuse the connection (only an expectation makes a connection expected).
     */
    public NewConnection withStatus(int bits) {
        return new NewConnection(original, reply, timeoutSeconds, bits, mark, zone, labelsLo, labelsHi, protoInfo);
    }

    /** Also the mark. */
    public NewConnection withMark(int m) {
        return new NewConnection(original, reply, timeoutSeconds, status, m, zone, labelsLo, labelsHi, protoInfo);
    }

    /** Also the zone, packed as {@link Zone} packs it (a plain id is a zone of both directions). */
    public NewConnection withZone(int packedZone) {
        int z = packedZone & ~Zone.TEMPLATE;
        Zone.template(Zone.id(z), Zone.dirs(z));
        return new NewConnection(original, reply, timeoutSeconds, status, mark, z, labelsLo, labelsHi, protoInfo);
    }

    /** Also the labels: bit N of the 128 ({@link ConnLabels}) in {@code lo} for N &lt; 64, else in {@code hi}. */
    public NewConnection withLabels(long lo, long hi) {
        return new NewConnection(original, reply, timeoutSeconds, status, mark, zone, lo, hi, protoInfo);
    }

    /** Also the tracker's state ({@code CTA_PROTOINFO}), which the connection's tracker takes or refuses. */
    public NewConnection withProtoInfo(ProtoInfo info) {
        return new NewConnection(original, reply, timeoutSeconds, status, mark, zone, labelsLo, labelsHi, info);
    }

    /** A copy of the original tuple. */
    public Tuple original() {
        return new Tuple().copyFrom(original);
    }

    /** A copy of the reply tuple, or null for the tracker's inverse of the original. */
    public Tuple reply() {
        return reply == null ? null : new Tuple().copyFrom(reply);
    }

    public long timeoutSeconds() {
        return timeoutSeconds;
    }

    public int status() {
        return status;
    }

    public int mark() {
        return mark;
    }

    /** The zone, packed as {@link Zone} packs it. */
    public int zone() {
        return zone;
    }

    public long labelsLo() {
        return labelsLo;
    }

    public long labelsHi() {
        return labelsHi;
    }

    /** The tracker's state, or null to let the tracker start from its first state. */
    public ProtoInfo protoInfo() {
        return protoInfo;
    }

    @Override
    public String toString() {
        return "new[" + original + (reply != null ? " reply " + reply : "") + " timeout=" + timeoutSeconds
            + (status != 0 ? " status=" + Status.names(status) : "") + (mark != 0 ? " mark=" + mark : "")
            + (zone != 0 ? " zone=" + Zone.id(zone) : "") + (labelsLo != 0 || labelsHi != 0 ? " labels" : "")
            + (protoInfo != null ? " " + protoInfo : "") + "]";
    }
}
