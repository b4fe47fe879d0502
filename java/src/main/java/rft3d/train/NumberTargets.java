package rft3d.train;

import static org.bytedeco.pytorch.global.torch.kFloat;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import rft3d.model.Tokenizer;

/**
 * SFT targets that give numbers ordinal structure: a grid number's probability mass is spread over its
 * neighbouring bins by a Gaussian of {@code sigma} bins (cut at 3 sigma, renormalised inside the grid), so a
 * prediction one bin (5 cm, 0.05 rad) off is pulled less hard than one a metre off, and neighbouring numbers
 * learn similar embeddings. Every other token keeps its one-hot target.
 */
final class NumberTargets {
    /** Row t: the target distribution over the vocabulary when the reference token is t. */
    private final Tensor table;

    NumberTargets(Tokenizer tokenizer, double sigma, Device device) {
        int v = tokenizer.vocabSize();
        float[] q = new float[v * v];
        for (int t = 0; t < v; t++) q[t * v + t] = 1;
        int[] grid = tokenizer.gridNumbers();
        int reach = (int) Math.ceil(3 * sigma);
        for (int j = 0; j < grid.length; j++) {
            int row = grid[j] * v;
            q[row + grid[j]] = 0;
            double sum = 0;
            for (int k = Math.max(0, j - reach); k <= Math.min(grid.length - 1, j + reach); k++) sum += Math.exp(-0.5 * (k - j) * (k - j) / (sigma * sigma));
            for (int k = Math.max(0, j - reach); k <= Math.min(grid.length - 1, j + reach); k++) {
                q[row + grid[k]] = (float) (Math.exp(-0.5 * (k - j) * (k - j) / (sigma * sigma)) / sum);
            }
        }
        table = Tensor.create(q, v, v).to(device, kFloat());
    }

    /**
     * Cross-entropy against the soft targets, summed over the masked positions: {@code −Σ mask · Σ_v q(v | target) log p(v)},
     * from log-probabilities {@code [B, T−1, V]}, targets {@code [B, T−1]} and a mask {@code [B, T−1]}.
     */
    Tensor nll(Tensor logp, Tensor targets, Tensor mask) {
        Tensor q = table.index_select(0, targets.flatten()).view(logp.sizes());
        return q.mul(logp).sum(2).mul(mask).sum().neg();
    }
}
