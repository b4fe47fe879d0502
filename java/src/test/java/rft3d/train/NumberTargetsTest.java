package rft3d.train;

import static org.bytedeco.pytorch.global.torch.kFloat;
import static org.bytedeco.pytorch.global.torch.kLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import rft3d.model.Tokenizer;

class NumberTargetsTest {
    private final Tokenizer tokenizer = new Tokenizer();
    private final int v = tokenizer.vocabSize();
    private final Device cpu = new Device("cpu");

    /** The soft cross-entropy of one position whose model puts probability 1 - eps on token {@code at}. */
    private double nll(NumberTargets targets, int target, int at) {
        float[] p = new float[v];
        java.util.Arrays.fill(p, 1e-4f / (v - 1));
        p[at] = 1 - 1e-4f;
        float[] logp = new float[v];
        for (int i = 0; i < v; i++) logp[i] = (float) Math.log(p[i]);
        Tensor out = targets.nll(Tensor.create(logp, 1, 1, v), Tensor.create(new long[] {target}, 1, 1).to(cpu, kLong()),
                Tensor.create(new float[] {1}, 1, 1).to(cpu, kFloat()));
        return out.item_double();
    }

    @Test
    void otherTokensKeepTheOneHotCrossEntropy() {
        NumberTargets targets = new NumberTargets(tokenizer, 1.0, cpu);
        int label = tokenizer.encode("chair")[0];
        assertEquals(-Math.log(1 - 1e-4), nll(targets, label, label), 1e-6);
        assertEquals(-Math.log(1e-4 / (v - 1)), nll(targets, label, label + 1), 1e-3);
    }

    @Test
    void aNumberOneBinOffCostsLessThanOneFarOff() {
        NumberTargets targets = new NumberTargets(tokenizer, 1.0, cpu);
        int[] grid = tokenizer.gridNumbers();
        int j = grid.length / 2;
        double exact = nll(targets, grid[j], grid[j]), oneOff = nll(targets, grid[j], grid[j + 1]), far = nll(targets, grid[j], grid[j + 20]);
        assertTrue(exact < oneOff && oneOff < far, exact + " " + oneOff + " " + far);
        assertEquals(oneOff, nll(targets, grid[j], grid[j - 1]), 1e-6, "symmetric");
        assertEquals(nll(targets, grid[j], grid[j + 4]), far, 1e-6, "nothing beyond three sigma");
    }

    @Test
    void theTargetsAreDistributionsEvenAtTheEndsOfTheGrid() {
        NumberTargets targets = new NumberTargets(tokenizer, 1.5, cpu);
        int[] grid = tokenizer.gridNumbers();
        for (int j : new int[] {0, 1, grid.length / 2, grid.length - 1}) {
            // With log p = 0 everywhere the loss is 0; with log p = -1 everywhere it is the targets' total mass.
            float[] minusOne = new float[v];
            java.util.Arrays.fill(minusOne, -1);
            double mass = targets.nll(Tensor.create(minusOne, 1, 1, v), Tensor.create(new long[] {grid[j]}, 1, 1).to(cpu, kLong()),
                    Tensor.create(new float[] {1}, 1, 1).to(cpu, kFloat())).item_double();
            assertEquals(1.0, mass, 1e-5, "bin " + j);
        }
    }
}
