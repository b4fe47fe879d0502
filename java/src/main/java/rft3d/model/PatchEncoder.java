package rft3d.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * The encoder this project trains from scratch: each patch's pixels (colour and 3D point) projected to a
 * token, plus a projection of its geometry prior and a learned frame embedding.
 */
public final class PatchEncoder implements VisionEncoder {
    private final Map<String, Tensor> params = new LinkedHashMap<>();

    /** Fresh weights drawn from the current LibTorch seed. */
    public PatchEncoder(ModelConfig cfg, Device device) {
        int d = cfg.dim();
        params.put("patch.weight", VideoLM.leaf(VideoLM.normal(0.02, cfg.patchValues(), d), device));
        params.put("patch.bias", VideoLM.leaf(VideoLM.zeros(d), device));
        params.put("geometry.weight", VideoLM.leaf(VideoLM.normal(0.02, VideoEncoding.GEOMETRY, d), device));
        params.put("geometry.bias", VideoLM.leaf(VideoLM.zeros(d), device));
        params.put("frame_embedding", VideoLM.leaf(VideoLM.normal(0.02, cfg.frames(), d), device));
    }

    @Override
    public Tensor embed(Tensor patches, Tensor geometry, Tensor frameIds) {
        Tensor x = patches.matmul(params.get("patch.weight")).add(params.get("patch.bias"));
        x = x.add(geometry.matmul(params.get("geometry.weight")).add(params.get("geometry.bias")));
        return x.add(params.get("frame_embedding").index_select(0, frameIds));
    }

    @Override
    public Map<String, Tensor> parameters() {
        return params;
    }
}
