package rft3d.model;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link DurableDirectoryTest}: replaces {@code target} with version {@code v} and
 * halts (as {@code kill -9} would) at the named step, or in the middle of writing the contents.
 */
public final class DurableDirectoryCrashProbe {
    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        String crashAt = args[1];
        String version = args[2];
        DurableDirectory.crashPoint = step -> {
            if (step.name().equals(crashAt)) Runtime.getRuntime().halt(137);
        };
        DurableDirectory.replace(target, dir -> DurableDirectoryTest.writeVersion(dir, version, crashAt.equals("MID_CONTENTS")));
    }
}
