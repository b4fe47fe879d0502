package rft3d.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rft3d.eval.Headline;
import rft3d.eval.PairedBootstrap;
import rft3d.eval.PredictionSet;

/** Two models' predictions on the same split, compared metric by metric with paired-bootstrap intervals. */
final class CompareCommand implements Command {
    static final int REPLICATES = 1000;
    static final long SEED = 20261125L;

    @Override
    public String name() {
        return "compare";
    }

    @Override
    public String summary() {
        return "model B minus model A on the same samples, with paired-bootstrap 95% intervals";
    }

    @Override
    public String usage() {
        return """
                usage: ./rft compare --a DIR --b DIR --data DATA [--split eval]
                  DIR: pred_<task>.jsonl files as ./rft predict writes them; both are scored against
                  DATA/<split>_<task>_gt.jsonl. Prints each headline metric of A and B, B - A and its 95%
                  interval over 1000 replicates that draw the same samples for both (* where it leaves out 0).""";
    }

    @Override
    public int run(Args args) throws Exception {
        Path a = Path.of(args.required("a")), b = Path.of(args.required("b")), data = Path.of(args.required("data"));
        String split = args.get("split", "eval");
        args.rejectUnknown();
        Map<String, PredictionSet> sa = new LinkedHashMap<>(), sb = new LinkedHashMap<>();
        for (String task : List.of("detection", "grounding", "numeric", "mc")) {
            Path pa = PredictionSet.predictionFile(a, task), pb = PredictionSet.predictionFile(b, task);
            Path gt = PredictionSet.truthFile(data, split, task);
            if (!Files.isRegularFile(pa) || !Files.isRegularFile(pb) || !Files.isRegularFile(gt)) continue;
            sa.put(task, PredictionSet.read(pa, gt));
            sb.put(task, PredictionSet.read(pb, gt));
        }
        if (sa.isEmpty()) throw new Args.UsageException("no task has predictions in both " + a + " and " + b + " and a GT file in " + data);
        Map<String, PairedBootstrap.Difference> d = PairedBootstrap.compare(sa, sb, Headline::of, REPLICATES, SEED);
        StringBuilder sb2 = new StringBuilder("| metric | A | B | B − A | 95% interval |\n|---|---|---|---|---|\n");
        d.forEach((metric, x) -> sb2.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %+.3f%s | [%+.3f, %+.3f] |%n", metric, x.a(), x.b(),
                x.delta(), x.significant() ? " *" : "", x.low(), x.high())));
        System.out.print(sb2);
        System.out.println("A = " + a + ", B = " + b + "; * the interval leaves out 0");
        return 0;
    }
}
