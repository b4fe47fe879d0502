package rft3d.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rft3d.data.DatasetReader;
import rft3d.eval.Headline;
import rft3d.eval.PairedBootstrap;
import rft3d.eval.PredictionSet;
import rft3d.eval.SeedMean;

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
                usage: ./rft compare --a DIR[,DIR...] --b DIR[,DIR...] --data DATA[,DATA...] [--split eval]
                  DIR: pred_<task>.jsonl files as ./rft predict writes them; both are scored against
                  DATA/<split>_<task>_gt.jsonl. Prints each headline metric of A and B, B - A and its 95%
                  interval over 1000 replicates that draw the same samples for both (* where it leaves out 0).
                  Several comma-separated pairs (one per seed, A's i-th against B's i-th) add the mean of B - A
                  over the pairs with its 95% Student-t interval, which covers seed-to-seed noise. --data is one
                  dataset for all pairs or one per pair (seeds that generated their own data).""";
    }

    @Override
    public int run(Args args) throws Exception {
        List<Path> as = paths(args.required("a")), bs = paths(args.required("b")), data = paths(args.required("data"));
        String split = args.get("split", "eval");
        args.rejectUnknown();
        if (as.size() != bs.size()) throw new Args.UsageException("--a names " + as.size() + " directories and --b " + bs.size() + "; they pair up one to one");
        if (data.size() != 1 && data.size() != as.size()) {
            throw new Args.UsageException("--data names " + data.size() + " directories: one for every pair, or one per pair (" + as.size() + ")");
        }
        List<Map<String, PairedBootstrap.Difference>> pairs = new ArrayList<>();
        for (int i = 0; i < as.size(); i++) {
            Map<String, PairedBootstrap.Difference> d = compare(as.get(i), bs.get(i), data.get(data.size() == 1 ? 0 : i), split);
            System.out.print(table(d));
            System.out.println("A = " + as.get(i) + ", B = " + bs.get(i) + "; * the interval leaves out 0\n");
            pairs.add(d);
        }
        if (pairs.size() > 1) System.out.print(overSeeds(pairs));
        return 0;
    }

    private static List<Path> paths(String list) {
        return Arrays.stream(list.split(",")).map(String::strip).filter(x -> !x.isEmpty()).map(Path::of).toList();
    }

    private static Map<String, PairedBootstrap.Difference> compare(Path a, Path b, Path data, String split) throws Exception {
        Map<String, PredictionSet> sa = new LinkedHashMap<>(), sb = new LinkedHashMap<>();
        for (String task : List.of("detection", "grounding", "numeric", "mc")) {
            Path pa = PredictionSet.predictionFile(a, task), pb = PredictionSet.predictionFile(b, task);
            Path gt = DatasetReader.truthFile(data, split, task);
            if (!Files.isRegularFile(pa) || !Files.isRegularFile(pb) || !Files.isRegularFile(gt)) continue;
            sa.put(task, PredictionSet.read(pa, gt));
            sb.put(task, PredictionSet.read(pb, gt));
        }
        if (sa.isEmpty()) throw new Args.UsageException("no task has predictions in both " + a + " and " + b + " and a GT file in " + data);
        return PairedBootstrap.compare(sa, sb, Headline::of, REPLICATES, SEED);
    }

    private static String table(Map<String, PairedBootstrap.Difference> d) {
        StringBuilder sb = new StringBuilder("| metric | A | B | B − A | 95% interval |\n|---|---|---|---|---|\n");
        d.forEach((metric, x) -> sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %+.3f%s | [%+.3f, %+.3f] |%n", metric, x.a(), x.b(),
                x.delta(), x.significant() ? " *" : "", x.low(), x.high())));
        return sb.toString();
    }

    /** Mean ± 95% t-interval over the pairs of A, B and B − A, for the metrics every pair has. */
    static String overSeeds(List<Map<String, PairedBootstrap.Difference>> pairs) {
        int n = pairs.size();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "Over %d pairs: mean ± 95%% t-interval (* where B − A's leaves out 0)%n| metric | A | B | B − A | B − A per pair |%n|---|---|---|---|---|%n", n));
        for (String metric : pairs.get(0).keySet()) {
            if (!pairs.stream().allMatch(p -> p.containsKey(metric))) continue;
            double[] a = new double[n], b = new double[n], d = new double[n];
            for (int i = 0; i < n; i++) {
                PairedBootstrap.Difference x = pairs.get(i).get(metric);
                a[i] = x.a();
                b[i] = x.b();
                d[i] = x.delta();
            }
            SeedMean ma = SeedMean.of(a), mb = SeedMean.of(b), md = SeedMean.of(d);
            sb.append(String.format(Locale.ROOT, "| %s | %.3f ± %.3f | %.3f ± %.3f | %+.3f ± %.3f%s | %s |%n", metric, ma.mean(), ma.halfWidth(),
                    mb.mean(), mb.halfWidth(), md.mean(), md.halfWidth(), md.excludesZero() ? " *" : "",
                    String.join(", ", Arrays.stream(d).mapToObj(v -> String.format(Locale.ROOT, "%+.3f", v)).toList())));
        }
        return sb.toString();
    }
}
