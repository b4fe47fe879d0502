package rft3d.model;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class SamplerTest {
    @Test
    void promptsSampledTogetherGetWhatEachGetsAlone() {
        manual_seed(6);
        Sampler s = new Sampler(new VideoLM(CheckpointTest.CFG), CheckpointTest.TOK);
        var greedy = new Sampler.Options(0, 1, 10);
        VideoEncoding v1 = CheckpointTest.video(1), v2 = CheckpointTest.video(2);
        int[] p1 = {Tokenizer.BOS, 5, 6}, p2 = {Tokenizer.BOS, 7, 8};
        List<int[]> together = s.sample(List.of(v1, v2), List.of(p1, p2), 2, greedy);
        List<int[]> alone = new ArrayList<>(s.sample(v1, p1, 2, greedy));
        alone.addAll(s.sample(v2, p2, 2, greedy));
        assertFalse(java.util.Arrays.equals(alone.get(0), alone.get(2)), "the two prompts must differ for this test to see a mix-up");
        assertEquals(alone.size(), together.size());
        for (int i = 0; i < alone.size(); i++) assertArrayEquals(alone.get(i), together.get(i), "completion " + i);
        assertThrows(IllegalArgumentException.class, () -> s.sample(List.of(v1, v2), List.of(p1, new int[] {Tokenizer.BOS}), 1, greedy));

        // Prompts of several lengths, in batches of at most two: each prompt's completions, in prompt order.
        int[] p3 = {Tokenizer.BOS};
        List<List<int[]>> each = s.sampleEach(List.of(v1, v2, v1, v2), List.of(p1, p3, p2, p1), 2, greedy, 2);
        List<List<int[]>> expected = List.of(s.sample(v1, p1, 2, greedy), s.sample(v2, p3, 2, greedy), s.sample(v1, p2, 2, greedy),
                s.sample(v2, p1, 2, greedy));
        for (int i = 0; i < expected.size(); i++) {
            for (int k = 0; k < 2; k++) assertArrayEquals(expected.get(i).get(k), each.get(i).get(k), "prompt " + i + ", completion " + k);
        }
    }

    @Test
    void askingWhetherAllRowsStoppedEveryFewStepsGivesTheSameCompletions() {
        manual_seed(5);
        VideoLM model = new VideoLM(CheckpointTest.CFG);
        try (NoGradGuard g = new NoGradGuard()) { // stop tokens likely enough that every row stops, at different steps
            Tensor head = model.namedParameters().get("lm_head");
            Tensor w = randn(head.size(0));
            head.select(1, Tokenizer.EOS).copy_(w.mul(new Scalar(0.5)));
            head.select(1, CheckpointTest.TOK.answerClose()).copy_(w.mul(new Scalar(-0.5)));
        }
        var sampled = new Sampler.Options(1.0, 1, 40);
        VideoEncoding v = CheckpointTest.video(3);
        int[] prompt = {Tokenizer.BOS, 5, 6};
        manual_seed(11);
        List<int[]> everyStep = new Sampler(model, CheckpointTest.TOK, 1).sample(v, prompt, 16, sampled);
        manual_seed(11);
        List<int[]> everyEighth = new Sampler(model, CheckpointTest.TOK, 8).sample(v, prompt, 16, sampled);
        java.util.TreeSet<Integer> lengths = new java.util.TreeSet<>();
        for (int i = 0; i < everyStep.size(); i++) {
            assertArrayEquals(everyStep.get(i), everyEighth.get(i), "completion " + i);
            lengths.add(everyStep.get(i).length);
        }
        assertTrue(lengths.size() > 2 && lengths.last() < 40 && lengths.last() % 8 != 0,
                "rows must stop at different steps, all before the budget and off a multiple of 8: " + lengths);
    }

    @Test
    void exploringOnePartDecodesTheOtherGreedily() {
        manual_seed(5);
        VideoLM model = new VideoLM(CheckpointTest.CFG);
        try (NoGradGuard g = new NoGradGuard()) { // </think> likely enough that completions have both parts
            Tensor head = model.namedParameters().get("lm_head");
            head.select(1, CheckpointTest.TOK.thinkClose()).copy_(randn(head.size(0)).mul(new Scalar(THINK_CLOSE_SCALE)));
        }
        Sampler s = new Sampler(model, CheckpointTest.TOK);
        VideoEncoding v = CheckpointTest.video(3);
        int[] prompt = {Tokenizer.BOS, 5, 6};
        int budget = 30;
        int[] greedy = s.sample(v, prompt, 1, new Sampler.Options(0, 1, budget)).get(0);
        int thinkEnd = s.sampledSpan(greedy, Sampler.Explore.ANSWER)[0];
        assertTrue(thinkEnd > 0 && thinkEnd < greedy.length, "the greedy completion must have both parts: " + Arrays.toString(greedy));

        // Sampling the answer only: every row thinks what greedy decoding thinks, and the answers differ.
        manual_seed(12);
        List<int[]> answers = s.sample(v, prompt, 16, new Sampler.Options(1.0, 1, budget, Sampler.Explore.ANSWER));
        Set<String> tails = new HashSet<>();
        for (int[] row : answers) {
            assertArrayEquals(Arrays.copyOf(greedy, thinkEnd), Arrays.copyOf(row, thinkEnd));
            assertArrayEquals(new int[] {thinkEnd, row.length}, s.sampledSpan(row, Sampler.Explore.ANSWER));
            tails.add(Arrays.toString(Arrays.copyOfRange(row, thinkEnd, row.length)));
        }
        assertTrue(tails.size() > 1, "sampled answers must differ");

        // Sampling the think part only: after it, each row goes on as greedy decoding goes on from it.
        manual_seed(13);
        List<int[]> thinks = s.sample(v, prompt, 16, new Sampler.Options(1.0, 1, budget, Sampler.Explore.THINK));
        Set<String> heads = new HashSet<>();
        int checked = 0;
        for (int[] row : thinks) {
            int end = s.sampledSpan(row, Sampler.Explore.THINK)[1];
            heads.add(Arrays.toString(Arrays.copyOf(row, end)));
            if (end == row.length || row[end - 1] != CheckpointTest.TOK.thinkClose()) continue; // stopped while thinking
            int[] context = Arrays.copyOf(prompt, prompt.length + end);
            System.arraycopy(row, 0, context, prompt.length, end);
            int[] rest = s.sample(v, context, 1, new Sampler.Options(0, 1, budget - end)).get(0);
            assertArrayEquals(rest, Arrays.copyOfRange(row, end, row.length));
            checked++;
        }
        assertTrue(heads.size() > 1 && checked > 1, "sampled think parts must differ and several must end: " + heads.size() + ", " + checked);
    }

    /** Scale of the random {@code </think>} column of the head in the test above. */
    private static final double THINK_CLOSE_SCALE = 0.5;
}
