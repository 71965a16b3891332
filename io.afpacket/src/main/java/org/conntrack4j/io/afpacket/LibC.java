package org.conntrack4j.io.afpacket;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The C library calls this bundle makes, by JNA direct mapping (no proxy, no argument objects: a call
 * costs a JNI transition and allocates nothing), and the Linux constants they take. Structures are laid out
 * by hand in preallocated native memory. 64-bit Linux only (size_t and pointers as long).
 */
final class LibC {

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    // socket(2) families, types, levels
    static final int AF_INET = 2;
    static final int AF_NETLINK = 16;
    static final int AF_PACKET = 17;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOCK_NONBLOCK = 0x800;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_SOCKET = 1;
    static final int SOL_PACKET = 263;
    static final int SO_ERROR = 4;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_RCVBUFFORCE = 33;
    static final int SO_ATTACH_FILTER = 26;
    static final int SO_DETACH_FILTER = 27;
    static final int ETH_P_ALL = 0x0003;

    // SOL_PACKET options (linux/if_packet.h)
    static final int PACKET_ADD_MEMBERSHIP = 1;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_TX_RING = 13;
    static final int PACKET_LOSS = 14;
    static final int PACKET_VNET_HDR = 15;
    static final int PACKET_FANOUT = 18;
    static final int PACKET_QDISC_BYPASS = 20;
    static final int PACKET_IGNORE_OUTGOING = 23;
    static final int PACKET_MR_PROMISC = 1;
    static final int PACKET_MR_ALLMULTI = 2;
    static final int TPACKET_V2 = 1;
    static final int TPACKET_V3 = 2;
    static final int PACKET_FANOUT_HASH = 0;
    static final int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;

    // ioctl requests (linux/sockios.h)
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCGIFMTU = 0x8921;
    static final long SIOCGIFHWADDR = 0x8927;
    static final long SIOCGIFINDEX = 0x8933;
    static final int IFNAMSIZ = 16;
    static final int IFREQ_SIZE = 40;
    static final int IFF_UP = 0x1;
    static final int IFF_RUNNING = 0x40;

    // mmap, poll, send
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int MAP_POPULATE = 0x8000;
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;

    // errno values met on purpose
    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOBUFS = 105;
    static final int ENETDOWN = 100;
    static final int ENXIO = 6;
    static final int EINVAL = 22;
    static final int ENODEV = 19;

    static native int socket(int domain, int type, int protocol);

    static native int bind(int fd, Pointer addr, int addrlen);

    static native int setsockopt(int fd, int level, int name, Pointer value, int len);

    static native int getsockopt(int fd, int level, int name, Pointer value, Pointer len);

    static native int ioctl(int fd, long request, Pointer arg);

    static native Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    static native int munmap(Pointer addr, long length);

    static native int poll(Pointer fds, long nfds, int timeout);

    static native long sendto(int fd, Pointer buf, long len, int flags, Pointer addr, int addrlen);

    static native long recv(int fd, Pointer buf, long len, int flags);

    static native long write(int fd, Pointer buf, long len);

    static native int eventfd(int initval, int flags);

    static native int close(int fd);

    static native int open(String path, int flags);

    static native int setns(int fd, int nstype);

    static native String strerror(int errnum);

    /** errno of the last call made by this thread through JNA. */
    static int errno() {
        return Native.getLastError();
    }

    /** {@code strerror(errno) (ENAME)}, for one-line messages. */
    static String describe(int errno) {
        String text = strerror(errno);
        String name = Errno.name(errno);
        return (text == null ? "error " + errno : text) + (name == null ? "" : " (" + name + ")");
    }
}
