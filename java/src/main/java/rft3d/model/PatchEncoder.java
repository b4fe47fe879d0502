package rft3d.model;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The encoder this project trains from scratch: each patch's pixels (colour and 3D point) projected to a
 * token ({@code patch}, an {@link Affine} module), plus a projection of its geometry prior ({@code geometry})
 * and a learned frame embedding ({@code frame_embedding}).
 */
public final class PatchEncoder implements VisionEncoder {
    private final Affine patch, geometry;
    private final Tensor frameEmbedding;

    /** Fresh weights drawn from the current LibTorch seed. */
    public PatchEncoder(ModelConfig cfg, Device device) {
        int d = cfg.dim();
        patch = new Affine(cfg.patchValues(), d, device);
        geometry = new Affine(VideoEncoding.GEOMETRY, d, device);
        frameEmbedding = Parameters.trainable(Parameters.normal(0.02, cfg.frames(), d), device);
    }

    @Override
    public Tensor embed(Tensor patches, Tensor geometryPrior, Tensor frameIds) {
        return patch.forward(patches).add(geometry.forward(geometryPrior)).add(frameEmbedding.index_select(0, frameIds));
    }

    @Override
    public void registerOn(Module model) {
        model.register_module("patch", patch);
        model.register_module("geometry", geometry);
        model.register_parameter("frame_embedding", frameEmbedding, true);
    }
}
