package rft3d.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replaced directory survives a kill at every step and a full disk with a complete version. */
class DurableDirectoryTest {
    @TempDir
    Path dir;

    /** Version {@code v}: a 256 KiB file of v's bytes, then a small one naming v (optionally halting between them). */
    static void writeVersion(Path into, String v, boolean haltBetween) throws IOException {
        Files.write(into.resolve("weights.bin"), v.repeat(256 << 10).getBytes());
        if (haltBetween) Runtime.getRuntime().halt(137);
        Files.writeString(into.resolve("state.txt"), v);
    }

    static String version(Path target) throws IOException {
        String v = Files.readString(target.resolve("state.txt"));
        assertEquals(256 << 10, Files.size(target.resolve("weights.bin")));
        assertEquals(v.repeat(256 << 10), Files.readString(target.resolve("weights.bin")), "weights and state from one version");
        return v;
    }

    int crashChild(Path target, String at, String v) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), DurableDirectoryCrashProbe.class.getName(),
                target.toString(), at, v).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.exitValue() == 0 || p.exitValue() == 137, "probe failed: " + out);
        return p.exitValue();
    }

    @Test
    void aKillAtEveryStepLeavesTheOldOrTheNewVersionComplete() throws Exception {
        String[] steps = {"MID_CONTENTS", "CONTENTS_WRITTEN", "NEW_COMPLETE", "OLD_MOVED_ASIDE", "NEW_IN_PLACE", "OLD_DELETED", "NONE"};
        String[] expected = {"1", "1", "2", "2", "2", "2", "2"};
        for (int i = 0; i < steps.length; i++) {
            Path target = dir.resolve("case" + i).resolve("last");
            Files.createDirectories(target.getParent());
            DurableDirectory.replace(target, d -> writeVersion(d, "1", false));
            int exit = crashChild(target, steps[i], "2");
            assertEquals(steps[i].equals("NONE") ? 0 : 137, exit, steps[i]);
            assertTrue(DurableDirectory.recover(target), "no complete version after a kill at " + steps[i]);
            assertEquals(expected[i], version(target), "kill at " + steps[i]);
            assertFalse(Files.exists(target.resolveSibling("last.tmp")) || Files.exists(target.resolveSibling("last.old")), "leftovers");
        }
    }

    @Test
    void aKillDuringTheFirstSaveLeavesNothingThatLooksLikeACheckpoint() throws Exception {
        Path target = dir.resolve("last");
        assertEquals(137, crashChild(target, "CONTENTS_WRITTEN", "1"));
        assertFalse(DurableDirectory.recover(target));
        assertFalse(Files.exists(target));
    }

    @Test
    void aFullDiskFailsTheSaveClearlyAndKeepsThePreviousVersion() throws Exception {
        Path mount = dir.resolve("small");
        Files.createDirectories(mount);
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", mount.toString()).redirectErrorStream(true).start();
        boolean mounted = m.waitFor(10, TimeUnit.SECONDS) && m.exitValue() == 0;
        if (!mounted) System.out.println("[rft3d] full-disk test skipped: cannot mount a small tmpfs here (needs root)");
        assumeTrue(mounted, "cannot mount a small tmpfs here");
        try {
            Path target = mount.resolve("last");
            DurableDirectory.replace(target, d -> writeVersion(d, "1", false)); // 256 KiB of 400
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> DurableDirectory.replace(target, d -> writeVersion(d, "2", false)));
            assertTrue(e.getMessage().contains("previous version is intact"), e.getMessage());
            assertEquals("1", version(target));
            assertFalse(Files.exists(target.resolveSibling("last.tmp")), "the partial copy is removed, freeing the space");
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
