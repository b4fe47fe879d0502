package rft3d.cuda;

/** No usable CUDA GPU here (no driver, no device, no kernels in the jar); the message says which. */
public final class CudaUnavailableException extends Exception {
    public CudaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
