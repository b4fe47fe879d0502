package rft3d.cli;

import java.nio.file.Path;
import java.util.Map;
import rft3d.train.Pipeline;
import rft3d.train.TrainConfig;

/** The trainer's subcommands; each reads an optional {@code --config} over the embedded defaults. */
final class TrainCommands {
    private TrainCommands() {}

    static TrainConfig config(Args args) throws Exception {
        String file = args.get("config", null);
        try {
            return file == null ? TrainConfig.defaults() : TrainConfig.load(Path.of(file));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
    }

    static final String CONFIG = "  --config FILE: JSON overriding java/src/main/resources/rft3d/train/default.json field by field";

    static final class GenData implements Command {
        public String name() { return "gen-data"; }
        public String summary() { return "write the synthetic dataset (PNG frames, depth, poses, JSONL tasks)"; }
        public String usage() { return "usage: ./rft gen-data [--config FILE]   (writes to the config's \"data\")\n" + CONFIG; }
        public int run(Args args) throws Exception {
            TrainConfig cfg = config(args);
            args.rejectUnknown();
            Pipeline.generateData(cfg);
            return 0;
        }
    }

    static final class Sft implements Command {
        public String name() { return "train-sft"; }
        public String summary() { return "supervised fine-tuning (resumes an interrupted run)"; }
        public String usage() { return "usage: ./rft train-sft [--config FILE] [--init CKPT]   (writes <out>/sft/)\n" + CONFIG; }
        public int run(Args args) throws Exception {
            TrainConfig cfg = config(args);
            String init = args.get("init", null);
            args.rejectUnknown();
            Path ckpt = Pipeline.sft(cfg, init == null ? null : Path.of(init), Path.of(cfg.out(), "sft"), cfg.sft().steps());
            System.out.println("SFT checkpoint: " + ckpt);
            return 0;
        }
    }

    static final class Grpo implements Command {
        public String name() { return "train-grpo"; }
        public String summary() { return "GRPO from a checkpoint, rewards from the reward engine"; }
        public String usage() { return "usage: ./rft train-grpo --init CKPT [--config FILE]   (writes <out>/grpo/)\n" + CONFIG; }
        public int run(Args args) throws Exception {
            TrainConfig cfg = config(args);
            Path init = Path.of(args.required("init"));
            args.rejectUnknown();
            Path ckpt = Pipeline.grpo(cfg, init, Path.of(cfg.out(), "grpo"), cfg.grpo().steps());
            System.out.println("GRPO checkpoint: " + ckpt);
            return 0;
        }
    }

    static final class Predict implements Command {
        public String name() { return "predict"; }
        public String summary() { return "greedy answers of a checkpoint on a split, with benchmark metrics"; }
        public String usage() {
            return "usage: ./rft predict --ckpt CKPT [--split eval] [--out DIR] [--config FILE]\n"
                    + "  writes DIR/pred_<task>.jsonl (score them again with ./rft eval)\n" + CONFIG;
        }
        public int run(Args args) throws Exception {
            TrainConfig cfg = config(args);
            Path ckpt = Path.of(args.required("ckpt"));
            String split = args.get("split", "eval");
            Path out = Path.of(args.get("out", Path.of(cfg.out(), "predict_" + split).toString()));
            args.rejectUnknown();
            Map<String, Double> m = Pipeline.evaluate(cfg, ckpt, split, out);
            System.out.println(Pipeline.table(Map.of(ckpt.toString(), m)));
            return 0;
        }
    }

    static final class Run implements Command {
        public String name() { return "run"; }
        public String summary() { return "main job: synthetic data, SFT, GRPO, evaluation (embedded defaults: minutes on CPU)"; }
        public String usage() { return "usage: ./rft run [--config FILE]\n" + CONFIG; }
        public int run(Args args) throws Exception {
            TrainConfig cfg = config(args);
            args.rejectUnknown();
            System.out.println(Pipeline.table(Pipeline.run(cfg)));
            return 0;
        }
    }

    static final class Experiment implements Command {
        public String name() { return "experiment"; }
        public String summary() { return "SFT N steps, then SFT vs GRPO for M more from the same checkpoint"; }
        public String usage() { return "usage: ./rft experiment [--config FILE] [--more M]   (N = sft.steps, M defaults to grpo.steps)\n" + CONFIG; }
        public int run(Args args) throws Exception {
            TrainConfig cfg = config(args);
            int more = args.integer("more", cfg.grpo().steps());
            args.rejectUnknown();
            System.out.println(Pipeline.table(Pipeline.experiment(cfg, more)));
            return 0;
        }
    }
}
