package org.conntrack4j.core.api;

/**
 * Connection labels ({@code nf_conn_labels}, {@code ct label}): 128 bits a ruleset sets and matches, bit N being
 * label N. Held in two longs, bits 0-63 in the low word and 64-127 in the high one, as Linux's bit numbering of its
 * {@code unsigned long} array gives on a 64-bit machine. Plain static functions.
 *
 * @since 2.1
 */
public final class ConnLabels {
    /** {@code NF_CT_LABELS_MAX_SIZE * 8}. */
    public static final int BITS = 128;

    private ConnLabels() {
    }

    /** The word holding label {@code bit}: 0 for the low word, 1 for the high one. */
    public static int word(int bit) {
        check(bit);
        return bit >>> 6;
    }

    /** The mask of label {@code bit} within its {@link #word}. */
    public static long mask(int bit) {
        check(bit);
        return 1L << (bit & 63);
    }

    /** Is label {@code bit} set in {@code lo}/{@code hi}? */
    public static boolean test(long lo, long hi, int bit) {
        return ((word(bit) == 0 ? lo : hi) & mask(bit)) != 0;
    }

    private static void check(int bit) {
        if (bit < 0 || bit >= BITS) {
            throw new IllegalArgumentException("label bit " + bit + " (0-127)");
        }
    }
}
