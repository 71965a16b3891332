package org.conntrack4j.rules.nft;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address with a prefix length: a host when the prefix covers all bits ({@code /32},
 * {@code /128}), a network otherwise. Host bits beyond the prefix are always zero (nft clears them too:
 * {@code 10.0.0.1/8} is {@code 10.0.0.0/8}). Immutable.
 */
public final class IpAddress implements Operand, Comparable<IpAddress> {
    private final byte[] bytes;
    private final int prefixLength;

    private IpAddress(byte[] bytes, int prefixLength) {
        this.bytes = bytes;
        this.prefixLength = prefixLength;
    }

    /**
     * @param bytes 4 (IPv4) or 16 (IPv6) bytes in network order; copied
     * @param prefixLength 0..32 or 0..128; bits beyond it are cleared
     */
    public static IpAddress of(byte[] bytes, int prefixLength) {
        if (bytes.length != 4 && bytes.length != 16) {
            throw new IllegalArgumentException("address must have 4 or 16 bytes, not " + bytes.length);
        }
        int bits = bytes.length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of 0.." + bits);
        }
        byte[] copy = bytes.clone();
        for (int bit = prefixLength; bit < bits; bit++) {
            copy[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new IpAddress(copy, prefixLength);
    }

    public static IpAddress host(byte[] bytes) {
        return of(bytes, bytes.length * 8);
    }

    /** Parses a host address, IPv4 dotted or IPv6 text, without prefix. */
    public static Optional<IpAddress> parseHost(String text) {
        byte[] b = text.indexOf(':') >= 0 ? InetText.parseIpv6(text) : InetText.parseIpv4(text);
        return b == null ? Optional.empty() : Optional.of(host(b));
    }

    public static IpAddress fromBigInteger(BigInteger value, boolean ipv6) {
        int len = ipv6 ? 16 : 4;
        byte[] raw = value.toByteArray();
        byte[] out = new byte[len];
        int copy = Math.min(raw.length, len);
        System.arraycopy(raw, raw.length - copy, out, len - copy, copy);
        return host(out);
    }

    public boolean isIpv6() {
        return bytes.length == 16;
    }

    /** 32 or 128. */
    public int bitLength() {
        return bytes.length * 8;
    }

    /** The address bytes in network order (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    public int prefixLength() {
        return prefixLength;
    }

    /** True for a single address (prefix length 32 or 128). */
    public boolean isHost() {
        return prefixLength == bytes.length * 8;
    }

    /** The first address of the prefix, as a host. */
    public IpAddress firstAddress() {
        return new IpAddress(bytes.clone(), bitLength());
    }

    /** The last address of the prefix (all host bits set), as a host. */
    public IpAddress lastAddress() {
        byte[] copy = bytes.clone();
        for (int bit = prefixLength; bit < bitLength(); bit++) {
            copy[bit / 8] |= (byte) (0x80 >>> (bit % 8));
        }
        return new IpAddress(copy, bitLength());
    }

    /** The address as an unsigned number. */
    public BigInteger toBigInteger() {
        return new BigInteger(1, bytes);
    }

    /** Whether {@code other} (a host or a prefix) lies inside this prefix; false across IP versions. */
    public boolean contains(IpAddress other) {
        if (other.bytes.length != bytes.length || other.prefixLength < prefixLength) {
            return false;
        }
        return of(other.bytes, prefixLength).equals(of(bytes, prefixLength));
    }

    /** The address alone, without prefix length, as glibc/nft print it. */
    public String addressText() {
        return isIpv6() ? InetText.formatIpv6(bytes) : InetText.formatIpv4(bytes);
    }

    @Override
    public int compareTo(IpAddress o) {
        if (bytes.length != o.bytes.length) {
            return Integer.compare(bytes.length, o.bytes.length);
        }
        int c = Arrays.compareUnsigned(bytes, o.bytes);
        return c != 0 ? c : Integer.compare(prefixLength, o.prefixLength);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress a && a.prefixLength == prefixLength && Arrays.equals(a.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes) * 31 + prefixLength;
    }

    /** {@code 10.0.0.0/8}, {@code 2001:db8::1}: the prefix is omitted for hosts, as nft does. */
    @Override
    public String toString() {
        return isHost() ? addressText() : addressText() + "/" + prefixLength;
    }
}
