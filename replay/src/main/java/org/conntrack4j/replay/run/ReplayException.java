package org.conntrack4j.replay.run;

/** A replay that cannot run or finish: the message names the file and the problem. */
public final class ReplayException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitStatus;

    public ReplayException(String message, int exitStatus) {
        super(message);
        this.exitStatus = exitStatus;
    }

    public ReplayException(String message, int exitStatus, Throwable cause) {
        super(message, cause);
        this.exitStatus = exitStatus;
    }

    /** The process exit status the command should end with. */
    public int exitStatus() {
        return exitStatus;
    }

    /** Bad input: unreadable or malformed case, capture, topology or settings. */
    public static final int INPUT = 3;
    /** The ruleset needs a bundle that is not installed, or is outside the supported subset. */
    public static final int RULESET = 4;
    /** Fatal: out of memory or internal error (the outputs hold what was processed before it). */
    public static final int FATAL = 5;
}
