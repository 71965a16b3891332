package org.conntrack4j.nat;

/**
 * Bob Jenkins' lookup3 hash over 32-bit words, as Linux's {@code jhash2}: NAT hashes addresses with it to pick
 * an address from a range, and the kernel's choice can only be reproduced with the same function.
 */
final class JHash {
    /** {@code JHASH_INITVAL}. */
    private static final int INITVAL = 0xdeadbeef;

    private JHash() {
    }

    /** {@code jhash2(k, k.length, initval)}. */
    static int jhash2(int[] k, int initval) {
        int length = k.length;
        int a = INITVAL + (length << 2) + initval;
        int b = a;
        int c = a;
        int i = 0;
        while (length > 3) {
            a += k[i];
            b += k[i + 1];
            c += k[i + 2];
            // mix
            a -= c;
            a ^= Integer.rotateLeft(c, 4);
            c += b;
            b -= a;
            b ^= Integer.rotateLeft(a, 6);
            a += c;
            c -= b;
            c ^= Integer.rotateLeft(b, 8);
            b += a;
            a -= c;
            a ^= Integer.rotateLeft(c, 16);
            c += b;
            b -= a;
            b ^= Integer.rotateLeft(a, 19);
            a += c;
            c -= b;
            c ^= Integer.rotateLeft(b, 4);
            b += a;
            length -= 3;
            i += 3;
        }
        switch (length) {
            case 3:
                c += k[i + 2];
                // fall through
            case 2:
                b += k[i + 1];
                // fall through
            case 1:
                a += k[i];
                // final
                c ^= b;
                c -= Integer.rotateLeft(b, 14);
                a ^= c;
                a -= Integer.rotateLeft(c, 11);
                b ^= a;
                b -= Integer.rotateLeft(a, 25);
                c ^= b;
                c -= Integer.rotateLeft(b, 16);
                a ^= c;
                a -= Integer.rotateLeft(c, 4);
                b ^= a;
                b -= Integer.rotateLeft(a, 14);
                c ^= b;
                c -= Integer.rotateLeft(b, 24);
                break;
            default:
                break;
        }
        return c;
    }
}
