package rft3d.model;

import java.util.Map;
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

    /** Parameters by checkpoint name, in a fixed order. */
    Map<String, Tensor> parameters();
}
