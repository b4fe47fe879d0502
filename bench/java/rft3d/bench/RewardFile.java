package rft3d.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import rft3d.data.RandomDetections;

/**
 * Writes the input of the `./rft reward` benchmark: N detection lines {"completion", "gt"} of 64 predicted
 * and 64 GT boxes, full-precision numbers, seed 7 (1,024 lines: 28 MB). Usage: {@code RewardFile N OUT.jsonl}.
 */
public final class RewardFile {
    private RewardFile() {}

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        var batch = RandomDetections.generate(n, 64, 64, RandomDetections.Rotation.GENERAL, 7);
        ObjectMapper m = new ObjectMapper();
        try (BufferedWriter w = Files.newBufferedWriter(Path.of(args[1]))) {
            for (int i = 0; i < n; i++) {
                var line = m.createObjectNode().put("completion", RandomDetections.completion(batch.predictions().get(i)));
                line.set("gt", m.readTree(RandomDetections.groundTruthJson(batch.truths().get(i))));
                w.write(m.writeValueAsString(line));
                w.write('\n');
            }
        }
    }
}
