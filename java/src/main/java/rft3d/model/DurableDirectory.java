package rft3d.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Replaces a directory so that a crash at any instant leaves a complete version of it, old or new.
 *
 * <p>The new contents are written to {@code NAME.tmp/}, listed with their sizes in a manifest written
 * last, and fsynced; then the old directory is renamed to {@code NAME.old/}, the new one renamed into
 * place, and the old one deleted, each rename made durable by an fsync of the parent. POSIX cannot swap
 * two directories atomically, so there is an instant with no {@code NAME/}: {@link #recover} resolves
 * every such state on the next start by taking the newest complete version.
 */
public final class DurableDirectory {
    static final String MANIFEST = "manifest.json";
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** The points between the steps of {@link #replace}, where tests simulate a kill. */
    enum Step { CONTENTS_WRITTEN, NEW_COMPLETE, OLD_MOVED_ASIDE, NEW_IN_PLACE, OLD_DELETED }

    /** Called at each {@link Step}; tests install one that halts the JVM. */
    static volatile Consumer<Step> crashPoint = s -> {};

    /** Writes the contents of a new version into an empty directory. */
    public interface Contents {
        void writeInto(Path dir) throws IOException;
    }

    private DurableDirectory() {}

    /**
     * Makes {@code target} hold {@code contents}, crash-safely. When writing fails (a full disk), the
     * partial new version is removed and the previous one is left as it was.
     *
     * @throws IOException naming the target, with the previous version intact
     */
    public static void replace(Path target, Contents contents) throws IOException {
        Path tmp = sibling(target, ".tmp"), old = sibling(target, ".old");
        recover(target);
        deleteRecursively(tmp);
        try {
            Files.createDirectories(tmp);
            contents.writeInto(tmp);
            crashPoint.accept(Step.CONTENTS_WRITTEN);
            writeManifest(tmp);
            fsyncTree(tmp);
        } catch (IOException | RuntimeException e) {
            try {
                deleteRecursively(tmp);
            } catch (IOException ignored) {
                // the partial copy is ignored by recover() anyway: it has no valid manifest
            }
            throw new IOException("could not write " + target + " (" + e.getMessage() + "); the previous version is intact", e);
        }
        crashPoint.accept(Step.NEW_COMPLETE);
        Path parent = target.toAbsolutePath().getParent();
        if (Files.exists(target)) {
            deleteRecursively(old);
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            fsync(parent);
        }
        crashPoint.accept(Step.OLD_MOVED_ASIDE);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        fsync(parent);
        crashPoint.accept(Step.NEW_IN_PLACE);
        deleteRecursively(old);
        crashPoint.accept(Step.OLD_DELETED);
    }

    /**
     * Brings {@code target} back to its newest complete version after a crash during {@link #replace}
     * (a complete {@code .tmp} is newer than the target, which is newer than {@code .old}) and removes
     * the leftovers.
     *
     * @return whether {@code target} now holds a complete version
     * @throws IOException when the directories cannot be renamed or deleted
     */
    public static boolean recover(Path target) throws IOException {
        Path tmp = sibling(target, ".tmp"), old = sibling(target, ".old");
        Path newest = complete(tmp) ? tmp : complete(target) ? target : complete(old) ? old : null;
        if (newest != null && newest != target) {
            deleteRecursively(target);
            Files.move(newest, target, StandardCopyOption.ATOMIC_MOVE);
            fsync(target.toAbsolutePath().getParent());
        }
        deleteRecursively(tmp);
        deleteRecursively(old);
        return newest != null;
    }

    /** Whether {@code dir} has a manifest and every file it lists, with the listed size. */
    public static boolean complete(Path dir) {
        Path m = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(m)) return false;
        try {
            JsonNode files = MAPPER.readTree(m.toFile()).get("files");
            if (files == null || !files.isObject()) return false;
            var it = files.fields();
            while (it.hasNext()) {
                var e = it.next();
                Path f = dir.resolve(e.getKey());
                if (!Files.isRegularFile(f) || Files.size(f) != e.getValue().asLong(-1)) return false;
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void writeManifest(Path dir) throws IOException {
        ObjectNode manifest = MAPPER.createObjectNode();
        ObjectNode files = manifest.putObject("files");
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.sorted().toList()) files.put(f.getFileName().toString(), Files.size(f));
        }
        Files.write(dir.resolve(MANIFEST), MAPPER.writeValueAsBytes(manifest));
    }

    private static void fsyncTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) fsync(f);
        }
        fsync(dir);
    }

    /** Forces a file's or a directory's contents (for a directory: its entries) to the disk. */
    static void fsync(Path p) throws IOException {
        boolean dir = Files.isDirectory(p);
        try (FileChannel ch = FileChannel.open(p, dir ? new StandardOpenOption[] {StandardOpenOption.READ}
                : new StandardOpenOption[] {StandardOpenOption.WRITE})) {
            ch.force(true);
        } catch (IOException e) {
            if (!dir) throw e; // some file systems refuse to open directories; their renames are durable anyway
        }
    }

    static Path sibling(Path target, String suffix) {
        return target.resolveSibling(target.getFileName() + suffix);
    }

    /** Deletes a file or a directory tree, if it exists. */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> files = Files.walk(p)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }
}
