package rft3d.cuda;

import jcuda.Pointer;

/**
 * A device address owned by someone else, e.g. {@code tensor.data_ptr()} of a LibTorch CUDA tensor,
 * passed to our kernels without copying. JCuda has no public constructor for this, hence the subclass.
 */
final class RawDevicePointer extends Pointer {
    RawDevicePointer(long address) {
        super(address);
        if (address == 0) throw new IllegalArgumentException("null device pointer");
    }
}
