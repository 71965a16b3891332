package org.conntrack4j.core.api;

/**
 * A connection for {@link ConntrackTable#create} to insert, described as ctnetlink receives one
 * ({@code ctnetlink_create_conntrack}, {@code conntrack -I}, a state synchronisation's commit): the original tuple,
 * the reply tuple (or the tracker's inverse of the original), the timeout in seconds, which Linux requires, and
 * optionally status bits, a mark, a zone, labels and the tracker's state; since 2.2 also what a state
 * synchronisation's commit carries: NAT bindings, a helper by name, sequence adjustments and the master of a RELATED
 * connection. Immutable: start from {@link #of} and add what the connection has. The tuples are copied in and out.
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
    /**
     * {@link ConntrackTable#create}: the master ({@link #withMaster}) is not in the table ({@code ENOENT}), or the
     * helper named ({@link #withHelper}) is not registered for the connection's family and protocol
     * ({@code EOPNOTSUPP}).
     *
     * @since 2.2
     */
    public static final int NOT_FOUND = -4;

    private final Tuple original;
    private final Tuple reply;
    private final long timeoutSeconds;
    private final int status;
    private final int mark;
    private final int zone;
    private final long labelsLo;
    private final long labelsHi;
    private final ProtoInfo protoInfo;
    /** Since 2.2: what a commit adds; null when none of it is given. */
    private final Extra extra;

    /** NAT bindings (index: manip, SRC 0, DST 1), helper, sequence adjustment, master. Immutable once shared. */
    private static final class Extra {
        final boolean[] nat = new boolean[2];
        final long[] natHi = new long[2];
        final long[] natLo = new long[2];
        final int[] natPort = {-1, -1};
        String helper;
        int[] seqAdj;
        Tuple master;

        Extra copy() {
            Extra x = new Extra();
            System.arraycopy(nat, 0, x.nat, 0, 2);
            System.arraycopy(natHi, 0, x.natHi, 0, 2);
            System.arraycopy(natLo, 0, x.natLo, 0, 2);
            System.arraycopy(natPort, 0, x.natPort, 0, 2);
            x.helper = helper;
            x.seqAdj = seqAdj;
            x.master = master;
            return x;
        }
    }

    private NewConnection(Tuple original, Tuple reply, long timeoutSeconds, int status, int mark, int zone,
        long labelsLo, long labelsHi, ProtoInfo protoInfo) {
        this(original, reply, timeoutSeconds, status, mark, zone, labelsLo, labelsHi, protoInfo, null);
    }

    private NewConnection(Tuple original, Tuple reply, long timeoutSeconds, int status, int mark, int zone,
        long labelsLo, long labelsHi, ProtoInfo protoInfo, Extra extra) {
        this.original = original;
        this.reply = reply;
        this.timeoutSeconds = timeoutSeconds;
        this.status = status;
        this.mark = mark;
        this.zone = zone;
        this.labelsLo = labelsLo;
        this.labelsHi = labelsHi;
        this.protoInfo = protoInfo;
        this.extra = extra;
    }

    private NewConnection with(Extra x) {
        return new NewConnection(original, reply, timeoutSeconds, status, mark, zone, labelsLo, labelsHi, protoInfo, x);
    }

    private Extra extraCopy() {
        return extra == null ? new Extra() : extra.copy();
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
            labelsHi, protoInfo, extra);
    }

    /**
     * Also these {@link Status} bits (ASSURED, SEEN_REPLY, FIXED_TIMEOUT, ...). Bits userspace may not set
     * ({@link Status#UNCHANGEABLE_MASK}) are ignored, as ctnetlink ignores them, except EXPECTED, which makes
     * {@link ConntrackTable#create} refuse the connection (only an expectation makes a connection expected).
     */
    public NewConnection withStatus(int bits) {
        return new NewConnection(original, reply, timeoutSeconds, bits, mark, zone, labelsLo, labelsHi, protoInfo, extra);
    }

    /** Also the mark. */
    public NewConnection withMark(int m) {
        return new NewConnection(original, reply, timeoutSeconds, status, m, zone, labelsLo, labelsHi, protoInfo, extra);
    }

    /** Also the zone, packed as {@link Zone} packs it (a plain id is a zone of both directions). */
    public NewConnection withZone(int packedZone) {
        int z = packedZone & ~Zone.TEMPLATE;
        Zone.template(Zone.id(z), Zone.dirs(z));
        return new NewConnection(original, reply, timeoutSeconds, status, mark, z, labelsLo, labelsHi, protoInfo, extra);
    }

    /** Also the labels: bit N of the 128 ({@link ConnLabels}) in {@code lo} for N &lt; 64, else in {@code hi}. */
    public NewConnection withLabels(long lo, long hi) {
        return new NewConnection(original, reply, timeoutSeconds, status, mark, zone, lo, hi, protoInfo, extra);
    }

    /** Also the tracker's state ({@code CTA_PROTOINFO}), which the connection's tracker takes or refuses. */
    public NewConnection withProtoInfo(ProtoInfo info) {
        return new NewConnection(original, reply, timeoutSeconds, status, mark, zone, labelsLo, labelsHi, info, extra);
    }

    /**
     * Also a NAT binding for {@code manip} ({@code org.conntrack4j.core.nat.NatManip}: SRC 0, DST 1), as ctnetlink's
     * {@code CTA_NAT_SRC} / {@code CTA_NAT_DST}: the address (as {@link Tuple} holds one: IPv4 in the low 32 bits of
     * {@code lo}) and, unless {@code port} is -1, the port (or ICMP id) the connection is translated to. NAT sets the
     * binding up before the connection is inserted ({@code nf_nat_setup_info}), making the reply tuple and the
     * SRC_NAT / DST_NAT bits; given one binding, the other is a null binding, as in Linux. Without NAT in the engine
     * the bindings are ignored (the reply tuple, if given, still stands).
     *
     * @since 2.2
     */
    public NewConnection withNat(int manip, long hi, long lo, int port) {
        if (manip != 0 && manip != 1 || port < -1 || port > 0xffff) {
            throw new IllegalArgumentException("NAT manip " + manip + " port " + port);
        }
        Extra x = extraCopy();
        x.nat[manip] = true;
        x.natHi[manip] = hi;
        x.natLo[manip] = lo;
        x.natPort[manip] = port;
        return with(x);
    }

    /**
     * Also the helper of this name ({@code CTA_HELP}), which must be registered for the connection's family and
     * protocol, else {@link ConntrackTable#create} answers {@link #NOT_FOUND}.
     *
     * @since 2.2
     */
    public NewConnection withHelper(String name) {
        Extra x = extraCopy();
        x.helper = name;
        return with(x);
    }

    /**
     * Also the sequence adjustment of direction {@code dir} ({@link Direction}; {@code CTA_SEQ_ADJ_ORIG} /
     * {@code _REPLY}): the correction position and the offsets before and after it; sets SEQ_ADJUST.
     *
     * @since 2.2
     */
    public NewConnection withSeqAdj(int dir, int correctionPos, int offsetBefore, int offsetAfter) {
        if (dir != Direction.ORIGINAL && dir != Direction.REPLY) {
            throw new IllegalArgumentException("direction " + dir);
        }
        Extra x = extraCopy();
        int[] s = x.seqAdj == null ? new int[6] : x.seqAdj.clone();
        s[3 * dir] = correctionPos;
        s[3 * dir + 1] = offsetBefore;
        s[3 * dir + 2] = offsetAfter;
        x.seqAdj = s;
        return with(x);
    }

    /**
     * Also the master of a RELATED connection, by its original tuple ({@code CTA_TUPLE_MASTER}): it must be in the
     * table, in the same zone, else {@link ConntrackTable#create} answers {@link #NOT_FOUND}; the connection is
     * EXPECTED.
     *
     * @since 2.2
     */
    public NewConnection withMaster(Tuple masterOriginal) {
        Extra x = extraCopy();
        x.master = new Tuple().copyFrom(masterOriginal);
        return with(x);
    }

    /** Is there a NAT binding for {@code manip} (SRC 0, DST 1)? @since 2.2 */
    public boolean hasNat(int manip) {
        return extra != null && extra.nat[manip];
    }

    /** The NAT address of {@code manip}, high 64 bits (IPv6). @since 2.2 */
    public long natHi(int manip) {
        return extra == null ? 0 : extra.natHi[manip];
    }

    /** The NAT address of {@code manip}, low 64 bits (IPv4 in the low 32). @since 2.2 */
    public long natLo(int manip) {
        return extra == null ? 0 : extra.natLo[manip];
    }

    /** The NAT port of {@code manip}, or -1 for none. @since 2.2 */
    public int natPort(int manip) {
        return extra == null ? -1 : extra.natPort[manip];
    }

    /** The helper's name, or null. @since 2.2 */
    public String helper() {
        return extra == null ? null : extra.helper;
    }

    /** Is a sequence adjustment given? @since 2.2 */
    public boolean hasSeqAdj() {
        return extra != null && extra.seqAdj != null;
    }

    /** The sequence adjustment of {@code dir}: correction position, offset before, offset after (a copy). @since 2.2 */
    public int[] seqAdj(int dir) {
        return extra == null || extra.seqAdj == null ? null
            : new int[] {extra.seqAdj[3 * dir], extra.seqAdj[3 * dir + 1], extra.seqAdj[3 * dir + 2]};
    }

    /** A copy of the master's original tuple, or null. @since 2.2 */
    public Tuple master() {
        return extra == null || extra.master == null ? null : new Tuple().copyFrom(extra.master);
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
            + (protoInfo != null ? " " + protoInfo : "") + (hasNat(0) ? " snat" : "") + (hasNat(1) ? " dnat" : "")
            + (helper() != null ? " helper=" + helper() : "") + (hasSeqAdj() ? " seqadj" : "")
            + (master() != null ? " master " + master() : "") + "]";
    }
}
