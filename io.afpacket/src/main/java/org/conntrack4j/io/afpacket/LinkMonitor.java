package org.conntrack4j.io.afpacket;

import com.sun.jna.Memory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.conntrack4j.io.LinkState;
import org.conntrack4j.io.PacketIoException;

/**
 * Follows one device's link state through rtnetlink: an AF_NETLINK socket subscribed to RTMGRP_LINK
 * gets an RTM_NEWLINK for every change of flags, MTU or address and an RTM_DELLINK when the device goes,
 * the moment they happen and with no cost in between (polling SIOCGIFFLAGS would wake up periodically,
 * notice late, and miss a down-up flap shorter than its period). The same socket answers the
 * SIOCGIF* ioctls that read the state in full: at open, and again after the socket overflowed (ENOBUFS).
 *
 * <p>Its thread (a daemon, {@code afpacket-link-DEV}) blocks in poll on the socket and an eventfd that
 * {@link #close()} signals.
 */
final class LinkMonitor implements Runnable {

    // netlink (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h)
    static final int NLMSG_HDRLEN = 16;
    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int IFINFO_INDEX = 4;
    static final int IFINFO_FLAGS = 8;
    static final int IFINFO_LEN = 16;
    static final int IFLA_ADDRESS = 1;
    static final int IFLA_MTU = 4;
    static final int RTMGRP_LINK = 1;

    private static final int BUFFER = 64 * 1024;

    /** What the monitor drives: the device's state and its pending work. */
    interface Target {
        /** The state the device holds now: the base for messages that carry only part of it. */
        LinkState link();

        /** A new state was read (the same as the last one, possibly). */
        void linkUpdate(LinkState state);

        /** Called after each wake-up; true while there is work to retry soon (a fanout join). */
        boolean retryPending();

        /** A failure of the monitor's own calls, counted. */
        void monitorError();
    }

    private final String device;
    private final int nl;
    private final int wake;
    private final Memory buf = new Memory(BUFFER);
    private final ByteBuffer msgs = buf.getByteBuffer(0, BUFFER).order(ByteOrder.nativeOrder());
    private final Memory ifreq = new Memory(LibC.IFREQ_SIZE);
    private final Memory pollfds = new Memory(16);
    private final Memory one = new Memory(8);
    private volatile boolean closed;
    private Target target;
    private Thread thread;
    private int ifindex;

    /** Opens and subscribes the socket before the state is read, so no change falls between. */
    LinkMonitor(String device) throws PacketIoException {
        this.device = device;
        int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
        if (fd < 0) {
            throw AfPacketIo.failure(device, "socket(AF_NETLINK)", LibC.errno());
        }
        Memory sa = new Memory(12);
        sa.clear();
        sa.setShort(0, (short) LibC.AF_NETLINK);
        sa.setInt(8, RTMGRP_LINK);
        Memory size = new Memory(4);
        size.setInt(0, 1 << 20);
        // a larger socket buffer makes overflow (and a full re-read) rarer under link storms
        LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, size, 4);
        if (LibC.bind(fd, sa, 12) < 0) {
            int e = LibC.errno();
            LibC.close(fd);
            throw AfPacketIo.failure(device, "bind(AF_NETLINK)", e);
        }
        int efd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (efd < 0) {
            int e = LibC.errno();
            LibC.close(fd);
            throw AfPacketIo.failure(device, "eventfd", e);
        }
        this.nl = fd;
        this.wake = efd;
    }

    /** Reads the device's state with SIOCGIF* ioctls. */
    LinkState query() throws PacketIoException {
        byte[] name = device.getBytes(StandardCharsets.UTF_8);
        if (name.length == 0 || name.length >= LibC.IFNAMSIZ) {
            throw new PacketIoException(device, 0, device + ": not a device name (1 to 15 bytes)");
        }
        ioctl(name, LibC.SIOCGIFINDEX, "SIOCGIFINDEX");
        ifindex = ifreq.getInt(16);
        ioctl(name, LibC.SIOCGIFFLAGS, "SIOCGIFFLAGS");
        int flags = ifreq.getShort(16) & 0xffff;
        ioctl(name, LibC.SIOCGIFMTU, "SIOCGIFMTU");
        int mtu = ifreq.getInt(16);
        ioctl(name, LibC.SIOCGIFHWADDR, "SIOCGIFHWADDR");
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = (mac << 8) | (ifreq.getByte(18 + i) & 0xff);
        }
        return new LinkState(ifindex, (flags & LibC.IFF_UP) != 0,
                (flags & LibC.IFF_RUNNING) != 0, mtu, mac, true);
    }

    private void ioctl(byte[] name, long request, String what) throws PacketIoException {
        ifreq.clear();
        ifreq.write(0, name, 0, name.length);
        if (LibC.ioctl(nl, request, ifreq) < 0) {
            int e = LibC.errno();
            if (e == LibC.ENODEV) {
                throw new PacketIoException(device, e, device + ": no such device (ENODEV)");
            }
            throw AfPacketIo.failure(device, what, e);
        }
    }

    void start(Target t) {
        this.target = t;
        thread = new Thread(this, "afpacket-link-" + device);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        boolean pending = target.retryPending();
        while (!closed) {
            pollfds.setInt(0, nl);
            pollfds.setShort(4, LibC.POLLIN);
            pollfds.setShort(6, (short) 0);
            pollfds.setInt(8, wake);
            pollfds.setShort(12, LibC.POLLIN);
            pollfds.setShort(14, (short) 0);
            int r = LibC.poll(pollfds, 2, pending ? 10 : -1);
            if (closed) {
                break;
            }
            if (r < 0 && LibC.errno() != LibC.EINTR) {
                target.monitorError();
            }
            if (r > 0 && (pollfds.getShort(6) & LibC.POLLIN) != 0) {
                drain();
            }
            pending = target.retryPending();
        }
    }

    private void drain() {
        LinkState state = null;
        while (true) {
            long n = LibC.recv(nl, buf, BUFFER, LibC.MSG_DONTWAIT);
            if (n < 0) {
                int e = LibC.errno();
                if (e == LibC.ENOBUFS) {
                    // notifications were lost: read the whole state again
                    try {
                        state = query();
                    } catch (PacketIoException gone) {
                        LinkState base = state == null ? target.link() : state;
                        state = new LinkState(ifindex, false, false, base.mtu(), base.mac(), false);
                        target.monitorError();
                    }
                    continue;
                }
                if (e != LibC.EAGAIN && e != LibC.EINTR) {
                    target.monitorError();
                }
                break;
            }
            state = apply(msgs, (int) n, ifindex, state == null ? target.link() : state);
        }
        if (state != null) {
            target.linkUpdate(state);
        }
    }

    /**
     * Applies the RTM_NEWLINK / RTM_DELLINK messages for {@code ifindex} in {@code b[0, len)} to
     * {@code state}; other messages and devices are skipped, a message that does not parse ends the walk.
     */
    static LinkState apply(ByteBuffer b, int len, int ifindex, LinkState state) {
        int p = 0;
        while (p + NLMSG_HDRLEN <= len) {
            int mlen = b.getInt(p);
            int type = b.getShort(p + 4) & 0xffff;
            if (mlen < NLMSG_HDRLEN || mlen > len - p) {
                break;
            }
            int info = p + NLMSG_HDRLEN;
            if ((type == RTM_NEWLINK || type == RTM_DELLINK) && mlen >= NLMSG_HDRLEN + IFINFO_LEN
                    && b.getInt(info + IFINFO_INDEX) == ifindex) {
                if (type == RTM_DELLINK) {
                    state = new LinkState(ifindex, false, false, state.mtu(), state.mac(), false);
                } else {
                    int flags = b.getInt(info + IFINFO_FLAGS);
                    int mtu = state.mtu();
                    long mac = state.mac();
                    int a = info + IFINFO_LEN;
                    while (a + 4 <= p + mlen) {
                        int alen = b.getShort(a) & 0xffff;
                        int atype = b.getShort(a + 2) & 0x3fff;
                        if (alen < 4 || alen > p + mlen - a) {
                            break;
                        }
                        if (atype == IFLA_MTU && alen >= 8) {
                            mtu = b.getInt(a + 4);
                        } else if (atype == IFLA_ADDRESS && alen == 10) {
                            mac = 0;
                            for (int i = 0; i < 6; i++) {
                                mac = (mac << 8) | (b.get(a + 4 + i) & 0xff);
                            }
                        }
                        a += (alen + 3) & ~3;
                    }
                    state = new LinkState(ifindex, (flags & LibC.IFF_UP) != 0, (flags & LibC.IFF_RUNNING) != 0, mtu,
                            mac, true);
                }
            }
            p += (mlen + 3) & ~3;
        }
        return state;
    }

    /** Stops the thread (waking it through the eventfd) and closes the sockets. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        one.setLong(0, 1);
        LibC.write(wake, one, 8);
        if (thread != null && Thread.currentThread() != thread) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LibC.close(nl);
        LibC.close(wake);
    }
}
