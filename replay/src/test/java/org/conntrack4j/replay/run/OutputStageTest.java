package org.conntrack4j.replay.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.conntrack4j.core.api.NetDevice;
import org.conntrack4j.router.Fate;
import org.conntrack4j.router.Result;
import org.junit.jupiter.api.Test;

/** The outputs' thread writes a frame's row from a copy of the router's result: a field left out would go wrong. */
class OutputStageTest {
    /** A value of {@code f}'s type unlike a fresh result's. */
    private static Object unusual(Field f, Result fresh) throws Exception {
        Class<?> t = f.getType();
        if (t == String.class) {
            return "value of " + f.getName();
        } else if (t == int.class) {
            return 1000 + f.getName().length();
        } else if (t == boolean.class) {
            return !(Boolean) f.get(fresh);
        } else if (t == long[].class) {
            return new long[] {7, 8, 9};
        } else if (t == Fate.class) {
            return Fate.DROPPED_FORWARD;
        } else if (t == NetDevice.class) {
            return null;
        } else if (t == Object.class) {
            return "a rule";
        }
        throw new AssertionError("a field of a type this test does not know: " + f + ": teach OutputStage.copy and"
            + " this test about it");
    }

    @Test
    void everyFieldOfTheResultIsCopied() throws Exception {
        Result fresh = new Result();
        fresh.clear();
        Result from = new Result();
        from.clear();
        for (Field f : Result.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                f.set(from, unusual(f, fresh));
            }
        }
        from.absorbedCount = 3;
        Result to = new Result();
        to.clear();
        OutputStage.copy(from, to);
        for (Field f : Result.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            if (f.getType() == long[].class) {
                assertArrayEquals((long[]) f.get(from), (long[]) f.get(to), f.getName());
            } else {
                assertEquals(f.get(from), f.get(to), f.getName());
                if (f.getType() != NetDevice.class) {
                    assertNotEquals(f.get(fresh), f.get(to), f.getName() + " differs from a fresh result's");
                }
            }
        }
    }
}
