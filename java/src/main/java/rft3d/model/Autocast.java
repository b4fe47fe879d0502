package rft3d.model;

import static org.bytedeco.pytorch.global.torch.*;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A bf16 autocast scope over LibTorch's thread-local autocast state: inside it, matrix products and
 * attention run in bfloat16 while reductions, softmax and the float32 parameters and residual stream stay
 * in float32 (LibTorch's own op lists decide). Scopes nest; closing restores the state found on entry.
 * The cast cache is off, so a weight the optimizer has just changed is never read through a stale bf16 copy.
 */
final class Autocast implements AutoCloseable {
    private static final Autocast OFF = new Autocast();

    private final DeviceType type;
    private final boolean wasEnabled, wasCaching;
    private final ScalarType wasType;

    private Autocast() {
        type = null;
        wasEnabled = wasCaching = false;
        wasType = null;
    }

    private Autocast(DeviceType type) {
        this.type = type;
        this.wasEnabled = is_autocast_enabled(type);
        this.wasType = get_autocast_dtype(type);
        this.wasCaching = is_autocast_cache_enabled();
        set_autocast_cache_enabled(false);
        set_autocast_dtype(type, ScalarType.BFloat16);
        set_autocast_enabled(type, true);
    }

    /** A bf16 scope on the device's type when {@code bf16}, else a scope that changes nothing. */
    static Autocast on(Device device, boolean bf16) {
        return bf16 ? new Autocast(device.type()) : OFF;
    }

    @Override
    public void close() {
        if (type == null) return;
        set_autocast_enabled(type, wasEnabled);
        set_autocast_dtype(type, wasType);
        set_autocast_cache_enabled(wasCaching);
    }
}
