package rft3d.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import jcuda.driver.CUdeviceptr;

/** Device-only scratch memory (IoU matrices, flags), grown on demand and reused across calls. */
final class DeviceBuffer implements AutoCloseable {
    private CUdeviceptr ptr = new CUdeviceptr();
    private long capacity;

    /** A pointer to at least {@code bytes} bytes; the content is undefined after growth. */
    CUdeviceptr ensure(long bytes) {
        if (bytes > capacity) {
            if (capacity > 0) cuMemFree(ptr);
            long next = Math.max(bytes, Math.max(1 << 20, capacity * 2));
            ptr = new CUdeviceptr();
            cuMemAlloc(ptr, next);
            capacity = next;
        }
        return ptr;
    }

    @Override
    public void close() {
        if (capacity > 0) cuMemFree(ptr);
        capacity = 0;
    }
}
