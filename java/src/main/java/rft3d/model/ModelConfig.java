package rft3d.model;

/**
 * Sizes of the video-language model.
 *
 * @param vocab token vocabulary size
 * @param dim model width
 * @param layers transformer blocks
 * @param heads attention heads
 * @param frames frames per video
 * @param resolution square frame side in pixels
 * @param patch patch side in pixels
 * @param maxSequence longest sequence (visual tokens + prompt + answer)
 */
public record ModelConfig(int vocab, int dim, int layers, int heads, int frames, int resolution, int patch, int maxSequence) {
    public ModelConfig {
        if (vocab < 1 || dim < 8 || layers < 1 || heads < 1 || frames < 1 || patch < 1 || maxSequence < 1) {
            throw new IllegalArgumentException("model sizes must be positive (dim >= 8)");
        }
        if (dim % heads != 0 || (dim / heads) % 2 != 0) throw new IllegalArgumentException("dim / heads must be even (rotary positions)");
        if (resolution % patch != 0) throw new IllegalArgumentException("resolution must be a multiple of patch");
        if (frames * patchesPerFrame(resolution, patch) >= maxSequence) {
            throw new IllegalArgumentException("maxSequence must exceed the " + frames * patchesPerFrame(resolution, patch) + " visual tokens");
        }
    }

    private static int patchesPerFrame(int resolution, int patch) {
        return (resolution / patch) * (resolution / patch);
    }

    /** Visual tokens of one video. */
    public int visualTokens() {
        return frames * patchesPerFrame(resolution, patch);
    }

    /** Numbers per patch: 3 colour channels and 3 coordinates (the pixel's 3D point) × patch². */
    public int patchValues() {
        return 6 * patch * patch;
    }
}
