package rft3d.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** {@code --key value} and {@code --flag} options of one subcommand, with clear errors for bad ones. */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final Set<String> read = new HashSet<>();

    /** Parses options; names in {@code flagNames} take no value. */
    Args(String[] argv, int from, Set<String> flagNames) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || a.length() == 2) throw new UsageException("unexpected argument '" + a + "'");
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (flagNames.contains(name)) {
                flags.add(name);
            } else {
                if (i + 1 >= argv.length) throw new UsageException("--" + name + " needs a value");
                values.put(name, argv[++i]);
            }
        }
    }

    boolean flag(String name) {
        read.add(name);
        return flags.contains(name);
    }

    String get(String name, String fallback) {
        read.add(name);
        return values.getOrDefault(name, fallback);
    }

    String required(String name) {
        String v = get(name, null);
        if (v == null) throw new UsageException("--" + name + " is required");
        return v;
    }

    Path existingFile(String name) {
        Path p = Path.of(required(name));
        if (!Files.isRegularFile(p)) throw new UsageException("--" + name + ": no such file: " + p);
        return p;
    }

    int integer(String name, int fallback) {
        long v = longInteger(name, fallback);
        if (v != (int) v) throw new UsageException("--" + name + " is out of range: " + v);
        return (int) v;
    }

    long longInteger(String name, long fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    double number(String name, double fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    /** Fails on options that no code asked for (typos must not pass silently). */
    void rejectUnknown() {
        for (String k : values.keySet()) if (!read.contains(k)) throw new UsageException("unknown option --" + k);
        for (String k : flags) if (!read.contains(k)) throw new UsageException("unknown option --" + k);
    }

    /** A command-line mistake: printed with the usage, exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
