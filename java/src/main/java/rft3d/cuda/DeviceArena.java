package rft3d.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * The engine's one device allocator: a pinned host buffer mirrored on the device (inputs packed on the
 * host, moved in one asynchronous copy, outputs copied back the same way) and a device-only scratch region
 * (IoU matrices, decoded text, flags), in one device allocation. Both grow on demand and are reused across
 * calls, so the hot path allocates nothing; growth keeps what both sides hold, so a call can run its device
 * work in phases with host work between them. Pieces are addressed by offset: take device addresses only
 * after the last reservation of a phase, since a reservation may move the memory.
 */
final class DeviceArena implements AutoCloseable {
    /** Pieces start on 256-byte boundaries (coalesced loads, any element type). */
    private static final long ALIGN = 256;

    private Pointer host = new Pointer();
    private ByteBuffer hostBytes;
    private CUdeviceptr device = new CUdeviceptr();
    /** Bytes of the mirrored region (host and device) and of the scratch region (device only, after it). */
    private long mirrored, scratchCapacity;
    private long used, scratchUsed;
    /** Mirrored bytes kept across calls (at the start): reset() drops them, resetToKept() does not. */
    private long kept;
    private final CUstream stream;

    DeviceArena(CUstream stream) {
        this.stream = stream;
    }

    /** Forgets the previous call's layout, kept pieces included; the memory stays. */
    void reset() {
        kept = 0;
        resetToKept();
    }

    /** Forgets the previous call's layout except the kept pieces, which stay in place on both sides. */
    void resetToKept() {
        used = kept;
        scratchUsed = 0;
    }

    /** Keeps everything reserved so far for later calls; returns its end. */
    long keep() {
        kept = used;
        return kept;
    }

    /** Reserves {@code bytes} of mirrored memory and returns their offset. */
    long reserve(long bytes) {
        long offset = align(used);
        grow(offset + bytes, scratchCapacity);
        used = offset + bytes;
        return offset;
    }

    /** Reserves {@code bytes} of device-only memory (content undefined) and returns their scratch offset. */
    long scratch(long bytes) {
        long offset = align(scratchUsed);
        grow(mirrored, offset + Math.max(1, bytes));
        scratchUsed = offset + Math.max(1, bytes);
        return offset;
    }

    long put(byte[] a) {
        long off = reserve(a.length);
        hostBytes.put((int) off, a);
        return off;
    }

    long put(int[] a) {
        long off = reserve(4L * a.length);
        ints(off, a.length).put(0, a);
        return off;
    }

    long put(long[] a) {
        long off = reserve(8L * a.length);
        hostBytes.slice((int) off, 8 * a.length).order(ByteOrder.nativeOrder()).asLongBuffer().put(0, a);
        return off;
    }

    long put(double[] a) {
        long off = reserve(8L * a.length);
        doubles(off, a.length).put(0, a);
        return off;
    }

    long put(float[] a) {
        long off = reserve(4L * a.length);
        hostBytes.slice((int) off, 4 * a.length).order(ByteOrder.nativeOrder()).asFloatBuffer().put(0, a);
        return off;
    }

    /** The host side of {@code bytes} reserved bytes at {@code offset}, to fill or read (a view per caller: views are not shared between threads). */
    ByteBuffer bytes(long offset, long bytes) {
        return hostBytes.slice((int) offset, (int) bytes).order(ByteOrder.nativeOrder());
    }

    IntBuffer ints(long offset, int n) {
        return bytes(offset, 4L * n).asIntBuffer();
    }

    DoubleBuffer doubles(long offset, int n) {
        return bytes(offset, 8L * n).asDoubleBuffer();
    }

    int[] readInts(long offset, int n) {
        int[] out = new int[n];
        ints(offset, n).get(0, out);
        return out;
    }

    double[] readDoubles(long offset, int n) {
        double[] out = new double[n];
        doubles(offset, n).get(0, out);
        return out;
    }

    /** The device address of a mirrored offset. */
    CUdeviceptr at(long offset) {
        return device.withByteOffset(offset);
    }

    /** The device address of a scratch offset. */
    CUdeviceptr scratchAt(long offset) {
        return device.withByteOffset(mirrored + offset);
    }

    /** Mirrored bytes reserved so far: the end of the inputs once they are packed. */
    long used() {
        return used;
    }

    /** Copies mirrored {@code [from, to)} to the device, asynchronously on the stream. */
    void upload(long from, long to) {
        if (to > from) cuMemcpyHtoDAsync(device.withByteOffset(from), host.withByteOffset(from), to - from, stream);
    }

    /** Copies mirrored {@code [from, to)} back to the host side, asynchronously on the stream. */
    void download(long from, long to) {
        if (to > from) cuMemcpyDtoHAsync(host.withByteOffset(from), device.withByteOffset(from), to - from, stream);
    }

    private static long align(long n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Makes room for the given sizes of both regions, keeping what the host side and the device hold. */
    private void grow(long needMirrored, long needScratch) {
        if (needMirrored <= mirrored && needScratch <= scratchCapacity) return;
        if (needMirrored > Integer.MAX_VALUE) throw new IllegalArgumentException("batch needs " + needMirrored + " bytes of inputs; split it");
        long nextMirrored = needMirrored <= mirrored ? mirrored : align(Math.min(Integer.MAX_VALUE, Math.max(needMirrored, Math.max(1 << 20, 2 * mirrored))));
        long nextScratch = needScratch <= scratchCapacity ? scratchCapacity : align(Math.max(needScratch, Math.max(1 << 20, 2 * scratchCapacity)));
        if (nextMirrored != mirrored) {
            Pointer newHost = new Pointer();
            cuMemAllocHost(newHost, nextMirrored);
            ByteBuffer newBytes = newHost.getByteBuffer(0, nextMirrored).order(ByteOrder.nativeOrder());
            if (mirrored > 0) {
                newBytes.put(0, hostBytes, 0, (int) used);
                cuMemFreeHost(host);
            }
            host = newHost;
            hostBytes = newBytes;
        }
        CUdeviceptr newDevice = new CUdeviceptr();
        cuMemAlloc(newDevice, nextMirrored + nextScratch);
        if (mirrored + scratchCapacity > 0) {
            if (used > 0) cuMemcpyDtoDAsync(newDevice, device, used, stream);
            if (scratchUsed > 0) cuMemcpyDtoDAsync(newDevice.withByteOffset(nextMirrored), device.withByteOffset(mirrored), scratchUsed, stream);
            cuStreamSynchronize(stream);
            cuMemFree(device);
        }
        device = newDevice;
        mirrored = nextMirrored;
        scratchCapacity = nextScratch;
    }

    @Override
    public void close() {
        if (mirrored > 0) cuMemFreeHost(host);
        if (mirrored + scratchCapacity > 0) cuMemFree(device);
        mirrored = scratchCapacity = 0;
    }
}
