package org.conntrack4j.replay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The progress line a replay shows on a terminal: packets, rate, how far into the file, the time left. */
class ProgressLineTest {
    @Test
    void packetsRateShareAndTimeLeftAtThatPace() {
        // 40% of the file in 4 s: 6 s to go
        assertEquals("\rreplay big: 200,000 packets, 50,000/s, 40%, about 6 s left      ",
            Replay.progressLine("big", 200_000, 4_000_000_000L, 40, 100));
    }

    @Test
    void minutesWhenLong() {
        // 10% in 30 s: 270 s to go
        assertEquals("\rreplay big: 1,000 packets, 33/s, 10%, about 4 min left      ",
            Replay.progressLine("big", 1_000, 30_000_000_000L, 10, 100));
    }

    @Test
    void theLastLineHasNoTimeLeft() {
        assertEquals("\rreplay big: 5 packets, 1/s, 100%      ", Replay.progressLine("big", 5, 5_000_000_000L, 9, 9));
    }
}
