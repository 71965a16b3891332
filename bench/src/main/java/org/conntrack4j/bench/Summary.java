package org.conntrack4j.bench;

import java.util.Arrays;
import java.util.Locale;

/** Median and range of the values of several runs. */
public final class Summary {
    private final double[] sorted;

    public Summary(double... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        sorted = values.clone();
        Arrays.sort(sorted);
    }

    public double median() {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    public double min() {
        return sorted[0];
    }

    public double max() {
        return sorted[sorted.length - 1];
    }

    public int count() {
        return sorted.length;
    }

    /** {@code median [min-max]} with the given number of decimals. */
    public String format(int decimals) {
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, f + " [" + f + "-" + f + "]", median(), min(), max());
    }

    @Override
    public String toString() {
        return format(1);
    }
}
