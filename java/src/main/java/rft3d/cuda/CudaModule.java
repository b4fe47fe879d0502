package rft3d.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.io.IOException;
import java.io.InputStream;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * rft3d's kernels loaded on device 0, through JCuda's plain mapping of the CUDA driver API.
 *
 * <p>Why JCuda rather than a JavaCPP launcher: the kernels are plain {@code extern "C"} functions in a
 * fatbin, so {@code cuModuleLoadData} + {@code cuLaunchKernel} is all the native code needed, and JCuda's
 * natives need only {@code libcuda.so.1}, which any driver install has; no native library of ours must
 * be built per platform. It uses the device's <em>primary</em> context, the one the CUDA runtime (and
 * so LibTorch) uses, so raw device pointers from a LibTorch tensor are valid in our kernels.
 */
public final class CudaModule implements AutoCloseable {
    /** Where the build puts the fatbin (cmake/build-kernels.sh). */
    static final String FATBIN_RESOURCE = "/rft3d/cuda/rft3d_kernels.fatbin";

    /**
     * Why the driver could not be loaded, once that has been seen: a JVM loads a native library once, and
     * a second attempt only says "could not initialize class", which hides the real reason.
     */
    private static volatile String driverMissing;

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final CUstream stream = new CUstream();
    /** A second stream for work independent of the main stream's, joined back with two events. */
    private final CUstream side = new CUstream();
    private final CUevent forked = new CUevent(), joined = new CUevent();
    private final String deviceName;
    private final int multiprocessors;

    private CudaModule() throws CudaUnavailableException {
        byte[] fatbin = readFatbin();
        if (driverMissing != null) throw new CudaUnavailableException(driverMissing, null);
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = {0};
            cuDeviceGetCount(count);
            if (count[0] == 0) throw new CudaUnavailableException("the CUDA driver reports no device", null);
            cuDeviceGet(device, 0);
            cuDevicePrimaryCtxRetain(context, device);
            cuCtxSetCurrent(context);
            cuModuleLoadData(module, fatbin);
            cuStreamCreate(stream, 0);
            cuStreamCreate(side, 0);
            cuEventCreate(forked, CUevent_flags.CU_EVENT_DISABLE_TIMING);
            cuEventCreate(joined, CUevent_flags.CU_EVENT_DISABLE_TIMING);
            byte[] name = new byte[256];
            cuDeviceGetName(name, name.length, device);
            deviceName = new String(name, 0, indexOfZero(name)).trim();
            int[] sm = {0};
            cuDeviceGetAttribute(sm, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
            multiprocessors = sm[0];
        } catch (LinkageError e) {
            // Loading JCuda's natives fails where there is no libcuda.so.1 (no NVIDIA driver).
            String m = String.valueOf(e.getMessage());
            driverMissing = m.contains("libcuda.so") ? "no NVIDIA driver (libcuda.so.1 not found)"
                    : "JCuda's native library did not load: " + m.lines().findFirst().orElse(m);
            throw new CudaUnavailableException(driverMissing, e);
        } catch (RuntimeException e) {
            throw new CudaUnavailableException("CUDA initialisation failed: " + e.getMessage(), e);
        }
    }

    /**
     * Loads the kernels on device 0.
     *
     * @throws CudaUnavailableException with the reason when there is no usable GPU
     */
    public static CudaModule open() throws CudaUnavailableException {
        return new CudaModule();
    }

    private static byte[] readFatbin() throws CudaUnavailableException {
        try (InputStream in = CudaModule.class.getResourceAsStream(FATBIN_RESOURCE)) {
            if (in == null) {
                throw new CudaUnavailableException("this build has no CUDA kernels (built without nvcc)", null);
            }
            // cuModuleLoadData reads a fatbin from its header; a trailing zero is harmless and needed for PTX.
            byte[] bytes = in.readAllBytes();
            return java.util.Arrays.copyOf(bytes, bytes.length + 1);
        } catch (IOException e) {
            throw new CudaUnavailableException("cannot read " + FATBIN_RESOURCE, e);
        }
    }

    private static int indexOfZero(byte[] b) {
        for (int i = 0; i < b.length; i++) if (b[i] == 0) return i;
        return b.length;
    }

    /** Makes the primary context current on the calling thread (each call does this first). */
    void makeCurrent() {
        cuCtxSetCurrent(context);
    }

    CUstream stream() {
        return stream;
    }

    /** A kernel by its extern "C" name. */
    CUfunction function(String name) {
        CUfunction f = new CUfunction();
        cuModuleGetFunction(f, module, name);
        return f;
    }

    /** Launches a kernel on a 1-D grid on this module's stream; arguments are boxed ints, longs, doubles or pointers. */
    void launch(CUfunction f, long blocks, int threads, Object... args) {
        launchGrid(f, blocks, 1, threads, 0, args);
    }

    /** Launches a kernel on a {@code blocksX × blocksY} grid with {@code sharedBytes} of dynamic shared memory. */
    void launchGrid(CUfunction f, long blocksX, int blocksY, int threads, int sharedBytes, Object... args) {
        launchOn(stream, f, blocksX, blocksY, threads, sharedBytes, args);
    }

    /** Launches on the side stream: it runs concurrently with main-stream work queued after {@link #forkSide}. */
    void launchOnSide(CUfunction f, long blocks, int threads, Object... args) {
        launchOn(side, f, blocks, 1, threads, 0, args);
    }

    /** Side-stream work queued from now on starts after everything queued so far on the main stream. */
    void forkSide() {
        cuEventRecord(forked, stream);
        cuStreamWaitEvent(side, forked, 0);
    }

    /** Main-stream work queued from now on starts after everything queued so far on the side stream. */
    void joinSide() {
        cuEventRecord(joined, side);
        cuStreamWaitEvent(stream, joined, 0);
    }

    private static void launchOn(CUstream stream, CUfunction f, long blocksX, int blocksY, int threads, int sharedBytes, Object... args) {
        if (blocksX == 0 || blocksY == 0) return;
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Integer v) params[i] = Pointer.to(new int[] {v});
            else if (a instanceof Long v) params[i] = Pointer.to(new long[] {v});
            else if (a instanceof Double v) params[i] = Pointer.to(new double[] {v});
            else if (a instanceof Pointer p) params[i] = Pointer.to(p);
            else throw new IllegalArgumentException("kernel argument " + i + " has unsupported type " + a);
        }
        cuLaunchKernel(f, (int) Math.min(blocksX, Integer.MAX_VALUE), blocksY, 1, threads, 1, 1, sharedBytes, stream, Pointer.to(params), null);
    }

    /** Waits for this module's stream. */
    void synchronize() {
        cuStreamSynchronize(stream);
    }

    /** The device's name, e.g. "NVIDIA H100 80GB HBM3". */
    public String deviceName() {
        return deviceName;
    }

    /** Number of streaming multiprocessors, to size grid-stride launches. */
    public int multiprocessors() {
        return multiprocessors;
    }

    @Override
    public void close() {
        makeCurrent();
        cuEventDestroy(forked);
        cuEventDestroy(joined);
        cuStreamDestroy(side);
        cuStreamDestroy(stream);
        cuModuleUnload(module);
        cuDevicePrimaryCtxRelease(device);
    }
}
