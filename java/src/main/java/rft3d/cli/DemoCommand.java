package rft3d.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The main job on its embedded default: evaluates the bundled example prediction files. */
final class DemoCommand implements Command {
    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "score the bundled example predictions of all three tasks (no options)";
    }

    @Override
    public String usage() {
        return "usage: ./rft demo\n  evaluates examples/{detection,grounding,vsi}/pred.jsonl against gt.jsonl (bundled in the jar)";
    }

    @Override
    public int run(Args args) throws Exception {
        args.rejectUnknown();
        Path dir = Files.createTempDirectory("rft3d-demo");
        try {
            for (String task : new String[] {"detection", "grounding", "vsi"}) {
                Path pred = extract(task + "/pred.jsonl", dir);
                Path gt = extract(task + "/gt.jsonl", dir);
                System.out.println("== " + task + " (examples/" + task + ")");
                System.out.println(EvalCommand.render(EvalCommand.evaluate(task, pred, gt, rft3d.eval.Compat.VGLLM, rft3d.geometry.GroundingConvention.VGLLM), false));
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }

    private static Path extract(String name, Path dir) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/rft3d/examples/" + name)) {
            if (in == null) throw new IOException("bundled example missing: " + name + " (rebuild with mvn package)");
            Path out = dir.resolve(name.replace('/', '_'));
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            return out;
        }
    }
}
