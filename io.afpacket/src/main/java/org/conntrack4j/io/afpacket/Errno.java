package org.conntrack4j.io.afpacket;

/** Symbolic names of the errno values (asm-generic/errno-base.h and errno.h) a device can meet. */
final class Errno {
    private static final String[] NAMES = new String[134];

    static {
        String[] pairs = {"1 EPERM", "2 ENOENT", "4 EINTR", "5 EIO", "6 ENXIO", "9 EBADF", "11 EAGAIN", "12 ENOMEM",
            "13 EACCES", "14 EFAULT", "16 EBUSY", "17 EEXIST", "19 ENODEV", "22 EINVAL", "23 ENFILE", "24 EMFILE",
            "28 ENOSPC", "38 ENOSYS", "71 EPROTO", "90 EMSGSIZE", "92 ENOPROTOOPT", "93 EPROTONOSUPPORT",
            "94 ESOCKTNOSUPPORT", "95 EOPNOTSUPP", "97 EAFNOSUPPORT", "98 EADDRINUSE", "100 ENETDOWN",
            "101 ENETUNREACH", "105 ENOBUFS", "110 ETIMEDOUT", "114 EALREADY"};
        for (String p : pairs) {
            int space = p.indexOf(' ');
            NAMES[Integer.parseInt(p.substring(0, space))] = p.substring(space + 1);
        }
    }

    private Errno() {
    }

    /** The name, or null for a value not listed. */
    static String name(int errno) {
        return errno > 0 && errno < NAMES.length ? NAMES[errno] : null;
    }
}
