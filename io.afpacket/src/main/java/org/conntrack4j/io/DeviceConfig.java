package org.conntrack4j.io;

/**
 * How to open a device: queues, ring sizes, addresses to receive. Immutable; {@code with...} return
 * copies. {@link #DEFAULT}: one queue, a 4 MiB receive ring (16 blocks of 256 KiB, retired after 1 ms),
 * a 1024-frame transmit ring through the queueing discipline, unicast to the device's own address,
 * broadcast and the multicast groups the kernel joined.
 *
 * @param queues sockets sharing the device's received traffic by flow hash ({@code PACKET_FANOUT_HASH});
 *     1 to 64
 * @param rxBlockSize bytes per receive ring block, a multiple of 4096 and at least 128 KiB so that a
 *     64 KiB offloaded frame fits
 * @param rxBlocks receive ring blocks
 * @param rxRetireMillis how long a partly filled block waits before the kernel hands it over: the
 *     latency of a lone frame (1 to 1000)
 * @param txFrames transmit ring slots (each as large as the MTU needs, a power of two from 2048)
 * @param qdiscBypass send straight to the driver, past the queueing discipline
 *     ({@code PACKET_QDISC_BYPASS}). Off by default: on a veth it gained nothing measurable, and frames sent
 *     so are invisible to tcpdump on the device and escape traffic control; try it on a NIC whose qdisc
 *     costs
 * @param promiscuous also receive unicast frames for other addresses ({@code PACKET_MR_PROMISC})
 * @param allMulticast receive every multicast group ({@code PACKET_MR_ALLMULTI}), for instance IPv6
 *     solicited-node groups the kernel did not join
 * @param gso receive TCP and UDP super-frames (merged by GRO, or sent with TSO/USO by a virtual peer) whole
 *     when they may leave in segments (IPv6, IPv4 with DF), with their segment size in the batch
 *     ({@link FrameBatch#gsoSize}), and send such frames whole for the kernel to segment
 *     ({@link PacketQueue#send(byte[], int, int, int)}): one frame through a router instead of dozens, as
 *     Linux forwards them. Off by default: every frame arrives no larger than the MTU
 */
public record DeviceConfig(int queues, int rxBlockSize, int rxBlocks, int rxRetireMillis, int txFrames,
        boolean qdiscBypass, boolean promiscuous, boolean allMulticast, boolean gso) {

    public static final DeviceConfig DEFAULT = new DeviceConfig(1, 256 * 1024, 16, 1, 1024, false, false, false, false);

    /** @throws IllegalArgumentException naming the first value out of range */
    public DeviceConfig {
        check("queues", queues, 1, 64);
        check("rxBlockSize", rxBlockSize, 128 * 1024, 64 * 1024 * 1024);
        if (rxBlockSize % 4096 != 0) {
            throw new IllegalArgumentException("rxBlockSize " + rxBlockSize + " is not a multiple of 4096");
        }
        check("rxBlocks", rxBlocks, 2, 65536);
        check("rxRetireMillis", rxRetireMillis, 1, 1000);
        check("txFrames", txFrames, 2, 1 << 20);
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " " + value + " is outside " + min + ".." + max);
        }
    }

    public DeviceConfig withQueues(int n) {
        return new DeviceConfig(n, rxBlockSize, rxBlocks, rxRetireMillis, txFrames, qdiscBypass, promiscuous,
                allMulticast, gso);
    }

    public DeviceConfig withRxRing(int blockSize, int blocks, int retireMillis) {
        return new DeviceConfig(queues, blockSize, blocks, retireMillis, txFrames, qdiscBypass, promiscuous,
                allMulticast, gso);
    }

    public DeviceConfig withTxFrames(int n) {
        return new DeviceConfig(queues, rxBlockSize, rxBlocks, rxRetireMillis, n, qdiscBypass, promiscuous,
                allMulticast, gso);
    }

    public DeviceConfig withQdiscBypass(boolean on) {
        return new DeviceConfig(queues, rxBlockSize, rxBlocks, rxRetireMillis, txFrames, on, promiscuous,
                allMulticast, gso);
    }

    public DeviceConfig withPromiscuous(boolean on) {
        return new DeviceConfig(queues, rxBlockSize, rxBlocks, rxRetireMillis, txFrames, qdiscBypass, on,
                allMulticast, gso);
    }

    public DeviceConfig withGso(boolean on) {
        return new DeviceConfig(queues, rxBlockSize, rxBlocks, rxRetireMillis, txFrames, qdiscBypass, promiscuous,
                allMulticast, on);
    }

    public DeviceConfig withAllMulticast(boolean on) {
        return new DeviceConfig(queues, rxBlockSize, rxBlocks, rxRetireMillis, txFrames, qdiscBypass, promiscuous,
                on, gso);
    }
}
