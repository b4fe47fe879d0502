package rft3d.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * What turns a video into the decoder's visual tokens. {@link VideoLM} owns one; its parameters sit in the
 * model's checkpoint under their own names, so an encoder trained elsewhere can be loaded into them
 * ({@link Checkpoint#loadWeights}).
 */
public interface VisionEncoder {
    /**
     * Visual token embeddings {@code [B, Nv, d]} from patches {@code [B, Nv, patchValues]}, geometry
     * {@code [B, Nv, 15]} ({@link VideoEncoding}) and frame ids {@code [Nv]}.
     */
    Tensor embed(Tensor patches, Tensor geometry, Tensor frameIds);

    /**
     * Registers the encoder's LibTorch sub-modules and parameters on the model that owns it, at its top level
     * under the encoder's own names, which are the checkpoint's names of the encoder's weights.
     */
    void registerOn(Module model);
}
