package rft3d.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * A pinned host buffer mirrored by a device buffer, both grown on demand and reused across calls, so the
 * hot path has no allocation: arrays are packed into the host side, moved in one asynchronous copy, and
 * kernels address them by offset. Results come back the same way.
 */
final class DeviceArena implements AutoCloseable {
    /** Arrays start on 256-byte boundaries (coalesced loads, any element type). */
    private static final int ALIGN = 256;

    private Pointer host = new Pointer();
    private ByteBuffer hostBytes;
    private CUdeviceptr device = new CUdeviceptr();
    private long capacity;
    private long used;

    /** Forgets the previous layout; the memory stays. */
    void reset() {
        used = 0;
    }

    /** Reserves {@code bytes} and returns their offset, growing both buffers if needed (keeping content). */
    long reserve(long bytes) {
        long offset = (used + ALIGN - 1) / ALIGN * ALIGN;
        ensure(offset + bytes);
        used = offset + bytes;
        return offset;
    }

    long put(byte[] a) {
        return put(a.length, b -> b.put(a));
    }

    long put(int[] a) {
        return put(4L * a.length, b -> b.asIntBuffer().put(a));
    }

    long put(long[] a) {
        return put(8L * a.length, b -> b.asLongBuffer().put(a));
    }

    long put(double[] a) {
        return put(8L * a.length, b -> b.asDoubleBuffer().put(a));
    }

    long put(float[] a) {
        return put(4L * a.length, b -> b.asFloatBuffer().put(a));
    }

    /** Reserves {@code bytes} and lets {@code write} fill them through a view starting at their offset. */
    private long put(long bytes, java.util.function.Consumer<ByteBuffer> write) {
        long off = reserve(bytes);
        hostBytes.position((int) off);
        write.accept(hostBytes);
        return off;
    }

    /** The device address of an offset. */
    CUdeviceptr at(long offset) {
        return device.withByteOffset(offset);
    }

    /** Bytes reserved so far: call after packing the inputs, and upload that many once outputs are reserved. */
    long used() {
        return used;
    }

    /**
     * Copies the first {@code bytes} to the device (asynchronously on the stream). Reserve every output
     * first: growing the arena later would drop what was uploaded.
     */
    void upload(long bytes, CUstream stream) {
        if (bytes > 0) cuMemcpyHtoDAsync(device, host, bytes, stream);
    }

    /** Copies {@code [offset, offset + bytes)} back to the host side (asynchronously on the stream). */
    void download(long offset, long bytes, CUstream stream) {
        if (bytes > 0) cuMemcpyDtoHAsync(host.withByteOffset(offset), device.withByteOffset(offset), bytes, stream);
    }

    int[] ints(long offset, int n) {
        int[] out = new int[n];
        hostBytes.position((int) offset);
        hostBytes.asIntBuffer().get(out);
        return out;
    }

    double[] doubles(long offset, int n) {
        double[] out = new double[n];
        hostBytes.position((int) offset);
        hostBytes.asDoubleBuffer().get(out);
        return out;
    }

    private void ensure(long bytes) {
        if (bytes <= capacity) return;
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("batch needs " + bytes + " bytes; split it");
        long next = Math.min(Integer.MAX_VALUE, Math.max(bytes, Math.max(1 << 20, capacity * 2)));
        Pointer newHost = new Pointer();
        cuMemAllocHost(newHost, next);
        CUdeviceptr newDevice = new CUdeviceptr();
        cuMemAlloc(newDevice, next);
        ByteBuffer newBytes = newHost.getByteBuffer(0, next).order(ByteOrder.nativeOrder());
        if (capacity > 0) {
            hostBytes.position(0).limit((int) used);
            newBytes.put(hostBytes);
            newBytes.clear();
            free();
        }
        host = newHost;
        device = newDevice;
        hostBytes = newBytes;
        capacity = next;
    }

    private void free() {
        cuMemFreeHost(host);
        cuMemFree(device);
    }

    @Override
    public void close() {
        if (capacity > 0) free();
        capacity = 0;
    }
}
