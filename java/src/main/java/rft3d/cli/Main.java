package rft3d.cli;

import java.util.List;
import java.util.Set;

/** Entry point of {@code ./rft}: dispatches to the subcommands. */
public final class Main {
    private Main() {}

    static final List<Command> COMMANDS = List.of(
            new TrainCommands.Run(), new DemoCommand(), new EvalCommand(), new CompareCommand(), new RewardCommand(), new ServeCommand(),
            new TrainCommands.GenData(), new TrainCommands.Sft(), new TrainCommands.Grpo(), new TrainCommands.Predict(),
            new TrainCommands.Experiment());

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    /** Runs a command line and returns its exit code (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] argv) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            System.out.println(help());
            return argv.length == 0 ? 2 : 0;
        }
        Command cmd = COMMANDS.stream().filter(c -> c.name().equals(argv[0])).findFirst().orElse(null);
        if (cmd == null) {
            System.err.println("rft: unknown command '" + argv[0] + "'\n\n" + help());
            return 2;
        }
        if (List.of(argv).subList(1, argv.length).contains("--help")) {
            System.out.println(cmd.usage());
            return 0;
        }
        try {
            Args args = new Args(argv, 1, Set.copyOf(cmd.flags()));
            return cmd.run(args);
        } catch (Args.UsageException e) {
            System.err.println("rft " + cmd.name() + ": " + e.getMessage() + "\n\n" + cmd.usage());
            return 2;
        } catch (Exception e) {
            System.err.println("rft " + cmd.name() + ": " + e.getMessage());
            return 1;
        }
    }

    static String help() {
        StringBuilder sb = new StringBuilder("usage: ./rft COMMAND [options]   (./rft COMMAND --help for its options)\n\ncommands:\n");
        for (Command c : COMMANDS) sb.append(String.format("  %-12s %s%n", c.name(), c.summary()));
        return sb.toString().stripTrailing();
    }
}
