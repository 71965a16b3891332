package org.conntrack4j.io;

import java.io.IOException;

/**
 * A device could not be opened or set up. The message is one line: {@code DEVICE: WHAT: ERROR TEXT
 * (ERRNO NAME)}, for instance {@code eth9: no such device (ENODEV)} or
 * {@code lan0: socket(AF_PACKET): Operation not permitted (EPERM)}.
 */
public final class PacketIoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String device;
    private final int errno;

    public PacketIoException(String device, int errno, String message) {
        super(message);
        this.device = device;
        this.errno = errno;
    }

    /** The device name given to open. */
    public String device() {
        return device;
    }

    /** The system's error number, 0 when the failure was not a system call's. */
    public int errno() {
        return errno;
    }
}
