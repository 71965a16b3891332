package org.conntrack4j.io;

/**
 * A device's link state, as {@code ip link} shows it.
 *
 * @param ifindex the interface index
 * @param up administratively up ({@code IFF_UP}: {@code ip link set DEV up})
 * @param running operationally up ({@code IFF_RUNNING}: up and carrier; for a veth, both ends up);
 *     frames flow only when this is true
 * @param mtu the MTU
 * @param mac the hardware address in the low 48 bits (first byte highest)
 * @param present false once the interface was deleted or left the namespace
 */
public record LinkState(int ifindex, boolean up, boolean running, int mtu, long mac, boolean present) {

    /** The MAC as {@code 02:00:00:00:01:01}. */
    public String macText() {
        StringBuilder b = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) (mac >>> shift) & 0xff;
            b.append(Character.forDigit(octet >> 4, 16)).append(Character.forDigit(octet & 0xf, 16));
            if (shift > 0) {
                b.append(':');
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "ifindex " + ifindex + (present ? "" : " gone") + (up ? " UP" : " DOWN")
                + (running ? " RUNNING" : "") + " mtu " + mtu + " " + macText();
    }
}
