package org.conntrack4j.replay.run;

import java.util.List;
import java.util.Map;

/**
 * What a replay did: counts, and the capture problem that stopped it early, if any. The rows and the table are in
 * the output files only: memory does not grow with the capture.
 */
public final class ReplayReport {
    private final String caseName;
    private final int frames;
    private final Map<String, Integer> states;
    private final int egressFrames;
    private final int events;
    private final int expectEvents;
    private final int connections;
    private final String captureProblem;
    private final long elapsedNanos;
    private final boolean adoptedRandomPorts;
    private List<String> warnings = List.of();
    private boolean noFrameMapped;

    ReplayReport(String caseName, int frames, Map<String, Integer> states, int egressFrames, int events,
        int expectEvents, int connections, String captureProblem, long elapsedNanos,
        boolean adoptedRandomPorts) {
        this.adoptedRandomPorts = adoptedRandomPorts;
        this.caseName = caseName;
        this.frames = frames;
        this.states = Map.copyOf(states);
        this.egressFrames = egressFrames;
        this.events = events;
        this.expectEvents = expectEvents;
        this.connections = connections;
        this.captureProblem = captureProblem;
        this.elapsedNanos = elapsedNanos;
    }

    /** The same report with what reading the capture's frames found ({@code IngressFrames}). */
    ReplayReport withIngress(List<String> ingressWarnings, boolean noneMapped) {
        this.warnings = List.copyOf(ingressWarnings);
        this.noFrameMapped = noneMapped;
        return this;
    }

    /**
     * One line per link type the replay does not read (with its frame count) and one for frames of recorded
     * interfaces no router interface was mapped to; empty when every frame was read and placed.
     */
    public List<String> warnings() {
        return warnings;
    }

    /** Whether the capture had frames and every one came from a recorded interface not mapped to the router's. */
    public boolean noFrameMapped() {
        return noFrameMapped;
    }

    /** Were replies renamed from the recording kernel's random NAT ports to ours ({@code CaseSpec.adoptRandomPorts})? */
    public boolean adoptedRandomPorts() {
        return adoptedRandomPorts;
    }

    public String caseName() {
        return caseName;
    }

    public int frames() {
        return frames;
    }

    /** Frames per ct state ({@code new}, {@code established}, ... and {@code -} for frames conntrack never saw). */
    public Map<String, Integer> states() {
        return states;
    }

    public int egressFrames() {
        return egressFrames;
    }

    public int events() {
        return events;
    }

    public int expectEvents() {
        return expectEvents;
    }

    /** Connections in the final table ({@code table.txt}; 0 when only the verdicts were written). */
    public int connections() {
        return connections;
    }

    /** Why reading the capture stopped before its end (file, offset, problem), or null. */
    public String captureProblem() {
        return captureProblem;
    }

    public long elapsedNanos() {
        return elapsedNanos;
    }
}
