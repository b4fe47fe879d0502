package rft3d.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import rft3d.eval.DetectionEvaluator;
import rft3d.eval.GroundingEvaluator;
import rft3d.eval.PredictionSet;
import rft3d.eval.Report;
import rft3d.eval.VsiEvaluator;

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
                  PRED lines: {"id": .., "prediction": "<model output>"}; GT lines: {"id": .., <task fields>}
                  (schemas in README.md). --json prints one JSON object instead of text.""";
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
        args.rejectUnknown();
        System.out.println(render(evaluate(task, pred, gt), json));
        return 0;
    }

    static Map<String, Object> evaluate(String task, Path pred, Path gt) throws java.io.IOException {
        PredictionSet set = PredictionSet.read(pred, gt);
        return switch (task) {
            case "detection" -> DetectionEvaluator.evaluate(set);
            case "grounding" -> GroundingEvaluator.evaluate(set);
            case "vsi" -> VsiEvaluator.evaluate(set);
            default -> throw new Args.UsageException("--task must be detection, grounding or vsi, got '" + task + "'");
        };
    }

    static String render(Map<String, Object> report, boolean json) {
        return json ? Report.toJson(report) : Report.toText(report);
    }
}
