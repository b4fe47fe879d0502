package rft3d.reward;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Cooperative cancellation inside one scoring call: {@link CpuRewardEngine#map} runs each item under the
 * call's flag, and loops that can run long (a completion's IoU matrix, up to
 * {@link DetectionTask#MAX_PAIRS} pairs) call {@link #check()}, so a cancelled call stops within a row,
 * not after its largest completion.
 */
public final class Cancellation {
    private static final ThreadLocal<AtomicBoolean> CURRENT = new ThreadLocal<>();

    private Cancellation() {}

    /** Runs {@code work} on this thread under {@code flag}. */
    static <T> T within(AtomicBoolean flag, Supplier<T> work) {
        AtomicBoolean previous = CURRENT.get();
        CURRENT.set(flag);
        try {
            return work.get();
        } finally {
            CURRENT.set(previous);
        }
    }

    /** @throws CancellationException when the scoring call this thread works for was cancelled */
    public static void check() {
        AtomicBoolean flag = CURRENT.get();
        if (flag != null && flag.get()) throw new CancellationException("scoring cancelled");
    }
}
