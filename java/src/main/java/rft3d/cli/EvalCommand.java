package rft3d.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import rft3d.eval.Compat;
import rft3d.eval.DetectionEvaluator;
import rft3d.eval.GroundingEvaluator;
import rft3d.eval.PredictionSet;
import rft3d.eval.Report;
import rft3d.eval.VsiEvaluator;
import rft3d.geometry.GroundingConvention;

final class EvalCommand implements Command {
    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "score a prediction file with the benchmark's metrics";
    }

    @Override
    public String usage() {
        return """
                usage: ./rft eval --task detection|grounding|vsi --pred PRED.jsonl --gt GT.jsonl [--json]
                                  [--compat vgllm|rft3d] [--convention vgllm|geometric]
                  PRED lines: {"id": .., "prediction": "<model output>"}; GT lines: {"id": .., <task fields>}
                  (schemas in README.md). --json prints one JSON object instead of text.
                  --compat: read answers and boxes by VG-LLM's evaluator, error paths included (default), or
                  by rft3d's tolerant rules. --convention: how grounding answers reach the world (default vgllm).""";
    }

    @Override
    public Set<String> flags() {
        return Set.of("json");
    }

    @Override
    public int run(Args args) throws Exception {
        String task = args.required("task");
        Path pred = args.existingFile("pred");
        Path gt = args.existingFile("gt");
        boolean json = args.flag("json");
        Compat compat;
        GroundingConvention convention;
        try {
            compat = Compat.parse(args.get("compat", "vgllm"));
            convention = GroundingConvention.parse(args.get("convention", "vgllm"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        args.rejectUnknown();
        System.out.println(render(evaluate(task, pred, gt, compat, convention), json));
        return 0;
    }

    static Map<String, Object> evaluate(String task, Path pred, Path gt, Compat compat, GroundingConvention convention)
            throws java.io.IOException {
        PredictionSet set = PredictionSet.read(pred, gt);
        return switch (task) {
            case "detection" -> DetectionEvaluator.evaluate(set, compat);
            case "grounding" -> GroundingEvaluator.evaluate(set, compat, convention);
            case "vsi" -> VsiEvaluator.evaluate(set);
            default -> throw new Args.UsageException("--task must be detection, grounding or vsi, got '" + task + "'");
        };
    }

    static String render(Map<String, Object> report, boolean json) {
        return json ? Report.toJson(report) : Report.toText(report);
    }
}
