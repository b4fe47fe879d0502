package rft3d.cli;

import java.util.Set;

/** One {@code ./rft} subcommand. */
interface Command {
    String name();

    /** One line for {@code ./rft --help}. */
    String summary();

    /** Usage lines shown by {@code ./rft NAME --help} and after a usage error. */
    String usage();

    /** Option names that take no value. */
    default Set<String> flags() {
        return Set.of();
    }

    /** Runs the command; returns the exit code. */
    int run(Args args) throws Exception;
}
