package rft3d.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuRewardEngineTest {
    @Test
    void batchScoresEqualOneByOneScoresInOrder() throws Exception {
        ObjectMapper m = new ObjectMapper();
        List<String> completions = new ArrayList<>();
        List<JsonNode> gts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            completions.add("<think>.</think><answer>" + i + "</answer>");
            gts.add(m.readTree("{\"answer\": " + (100 + i % 7) + "}"));
        }
        try (CpuRewardEngine engine = new CpuRewardEngine(RewardConfig.defaults(), 2)) {
            List<Reward> batch = engine.score("numeric", completions, gts);
            NumericTask t = new NumericTask(RewardConfig.defaults());
            for (int i = 0; i < completions.size(); i++) {
                assertEquals(t.scoreJson(completions.get(i), gts.get(i)), batch.get(i));
            }
        }
    }

    @Test
    void anEmptyBatchScoresToAnEmptyList() {
        try (CpuRewardEngine engine = new CpuRewardEngine(RewardConfig.defaults(), 1)) {
            for (String task : Tasks.NAMES) assertTrue(engine.score(task, List.of(), List.of()).isEmpty(), task);
            assertEquals(0, engine.advantages(new double[0], 4, rft3d.grpo.AdvantageOptions.grpo()).length);
        }
    }

    @Test
    void badBatchesAreRejectedWithTheIndex() throws Exception {
        ObjectMapper m = new ObjectMapper();
        try (CpuRewardEngine engine = new CpuRewardEngine(RewardConfig.defaults(), 1)) {
            assertThrows(IllegalArgumentException.class, () -> engine.score("mc", List.of("A"), List.of()));
            var e = assertThrows(IllegalArgumentException.class,
                    () -> engine.score("mc", List.of("A", "B"), List.of(m.readTree("{\"answer\": \"A\"}"), m.readTree("{}"))));
            assertTrue(e.getMessage().startsWith("gt[1]"), e.getMessage());
        }
    }
}
