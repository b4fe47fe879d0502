// rft3d's GPU kernels: batched rewards and GRPO statistics, checked against the Java reference engine.
// Every entry point is extern "C" so Java finds it by name with cuModuleGetFunction. Layouts are ragged:
// sample b owns predictions [predOff[b], predOff[b+1]) and GT boxes [gtOff[b], gtOff[b+1]), and its IoU
// matrix (row-major, predictions x GT) starts at pairOff[b] = sum over earlier samples of P_i * G_i.
#include <cfloat>

#include "iou3d.cuh"

using namespace rft3d;

namespace {

constexpr unsigned FULL = 0xffffffffu;

// Warp arg-max of (value, index): larger value wins, ties go to the smaller index (the Java loop's rule).
__device__ inline void warp_argmax(double& v, int& idx) {
    for (int s = 16; s > 0; s /= 2) {
        double ov = __shfl_down_sync(FULL, v, s);
        int oi = __shfl_down_sync(FULL, idx, s);
        if (ov > v || (ov == v && oi >= 0 && (idx < 0 || oi < idx))) { v = ov; idx = oi; }
    }
    v = __shfl_sync(FULL, v, 0);
    idx = __shfl_sync(FULL, idx, 0);
}

struct Sum {
    __device__ double operator()(double a, double b) const { return a + b; }
};
struct Max {
    __device__ double operator()(double a, double b) const { return fmax(a, b); }
};

// op over the warp's 32 values, returned to every lane.
template <class Op>
__device__ inline double warp_reduce(double v, Op op) {
    for (int s = 16; s > 0; s /= 2) v = op(v, __shfl_down_sync(FULL, v, s));
    return __shfl_sync(FULL, v, 0);
}

__device__ inline double warp_sum(double v) { return warp_reduce(v, Sum()); }

// The power of two at or just below maxAbs (1 for 0), as Java's Math.scalb(1, Math.getExponent(maxAbs)):
// rewards are divided by it before sums and squares so huge ones cannot overflow; the division is exact.
__device__ inline double pow2_scale(double maxAbs) {
    if (maxAbs == 0) return 1;
    if (maxAbs < DBL_MIN) return ldexp(1.0, -1023);  // getExponent of a subnormal
    int e;
    frexp(maxAbs, &e);
    return ldexp(1.0, e - 1);
}

}  // namespace

// Prepares n boxes (9 numbers each) once for all their pairs: table[PREPARED * i], kind[i].
extern "C" __global__ void prepare_boxes(int n, const double* boxes, double* table, int* kind) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        kind[i] = prepare_box(boxes + 9LL * i, table + (long long)PREPARED * i);
    }
}

// Step 1 of the pairwise IoU: every pair gets IoU 0, except pairs that share a label and whose
// bounding spheres meet, which are appended to a work list (pair index, prediction, GT box). Only a
// few percent of pairs qualify; compacting them keeps every lane of the costly step 2 busy.
// Grid: y walks the samples, x the pairs of one sample.
extern "C" __global__ void candidate_pairs(int numSamples, const int* predOff, const int* gtOff, const long long* pairOff,
                                           const double* predTable, const int* predKind, const int* predLabels,
                                           const double* gtTable, const int* gtKind, const int* gtLabels, double* iou,
                                           unsigned long long* workCount, long long* workPair, int2* workBoxes) {
    int lane = threadIdx.x % 32;
    for (int b = blockIdx.y; b < numSamples; b += gridDim.y) {
        int P = predOff[b + 1] - predOff[b], G = gtOff[b + 1] - gtOff[b];
        long long n = (long long)P * G;
        for (long long local = blockIdx.x * (long long)blockDim.x + threadIdx.x; local < n; local += (long long)gridDim.x * blockDim.x) {
            int p = predOff[b] + (int)(local / G), q = gtOff[b] + (int)(local % G);
            long long pair = pairOff[b] + local;
            bool want = predLabels[p] == gtLabels[q] && predKind[p] != INVALID && gtKind[q] != INVALID &&
                        !cannot_touch(predTable + (long long)PREPARED * p, gtTable + (long long)PREPARED * q);
            iou[pair] = 0;
            // Warp-aggregated append: one atomic per warp.
            unsigned active = __activemask();
            unsigned ballot = __ballot_sync(active, want);
            int leader = __ffs(active) - 1;
            unsigned long long base = 0;
            if (lane == leader && ballot) base = atomicAdd(workCount, (unsigned long long)__popc(ballot));
            base = __shfl_sync(active, base, leader);
            if (want) {
                unsigned long long slot = base + __popc(ballot & ((1u << lane) - 1));
                workPair[slot] = pair;
                workBoxes[slot] = make_int2(p, q);
            }
        }
    }
}

// Step 2 of the pairwise IoU: the exact IoU of every listed pair (DetectionMatcher.iouMatrix).
extern "C" __global__ void candidate_iou(const unsigned long long* workCount, const long long* workPair,
                                         const int2* workBoxes, const double* predTable, const int* predKind,
                                         const double* gtTable, const int* gtKind, double* iou) {
    unsigned long long n = *workCount;
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)gridDim.x * blockDim.x) {
        int2 pq = workBoxes[i];
        iou[workPair[i]] = iou_prepared(predTable + (long long)PREPARED * pq.x, predKind[pq.x],
                                        gtTable + (long long)PREPARED * pq.y, gtKind[pq.y]);
    }
}

// Detection statistics of each sample from its IoU matrix, one warp (block of 32) per sample
// (DetectionMatcher.fromIou): greedy matching in output order per threshold, F1 averaged over thresholds,
// mean best IoU: parts[5 * b ..] = {meanBestIou, f1, tp, fp, fn}, counts at the first threshold. The
// weighted total is made on the host, by DetectionTask's one formula. The matching loop is a chain of dependent reads, so a sample's
// matrix and used flags are staged in shared memory when they fit in sharedBytes; otherwise they are read
// from global memory (`used` is global scratch with one byte per GT box).
extern "C" __global__ void detection_reward(int numSamples, const int* predOff, const int* gtOff, const long long* pairOff,
                                            const double* iou, const double* thresholds, int numThresholds,
                                            unsigned char* used, int sharedBytes, double* parts) {
    extern __shared__ double tile[];
    int lane = threadIdx.x;
    for (int b = blockIdx.x; b < numSamples; b += gridDim.x) {
        int P = predOff[b + 1] - predOff[b], G = gtOff[b + 1] - gtOff[b];
        long long n = (long long)P * G;
        bool staged = 8 * n + G <= sharedBytes;
        const double* m = iou + pairOff[b];
        unsigned char* u = used + gtOff[b];
        if (staged) {
            for (long long i = lane; i < n; i += 32) tile[i] = m[i];
            m = tile;
            u = reinterpret_cast<unsigned char*>(tile + n);
        }
        __syncwarp();
        double meanBest, f1Sum = 0;
        int tp0 = 0;
        if (P == 0 && G == 0) {
            meanBest = 1;
            f1Sum = numThresholds;
        } else {
            double bestSum = 0;
            for (int p = 0; p < P; p++) {
                double v = 0;
                for (int g = lane; g < G; g += 32) v = fmax(v, m[(long long)p * G + g]);
                for (int s = 16; s > 0; s /= 2) v = fmax(v, __shfl_down_sync(FULL, v, s));
                bestSum += __shfl_sync(FULL, v, 0);
            }
            meanBest = P == 0 ? 0 : bestSum / P;
            for (int t = 0; t < numThresholds; t++) {
                for (int g = lane; g < G; g += 32) u[g] = 0;
                __syncwarp();
                int tp = 0;
                for (int p = 0; p < P; p++) {
                    double v = 0;
                    int idx = -1;
                    for (int g = lane; g < G; g += 32) {
                        double x = m[(long long)p * G + g];
                        if (!u[g] && x > v) { v = x; idx = g; }  // strict: this lane's smallest g wins ties
                    }
                    warp_argmax(v, idx);
                    if (idx >= 0 && v > thresholds[t]) {
                        if (lane == 0) u[idx] = 1;
                        tp++;
                    }
                    __syncwarp();
                }
                int fp = P - tp, fn = G - tp;
                int denom = 2 * tp + fp + fn;
                f1Sum += denom == 0 ? 1.0 : 2.0 * tp / denom;
                if (t == 0) tp0 = tp;
            }
        }
        if (lane == 0) {
            double f1 = f1Sum / numThresholds;
            double* o = parts + 5LL * b;
            o[0] = meanBest;
            o[1] = f1;
            o[2] = tp0;
            o[3] = P - tp0;
            o[4] = G - tp0;
        }
        __syncwarp();  // the tile is reused by this block's next sample
    }
}

// Grounding parts per sample (GroundingTask): the answers arrive already carried into world coordinates
// (by the convention, on the host); frame[b] < 0 marks an unparsable answer, and an answer for a frame
// without a pose scores IoU 0. parts[2 * b ..] = {frame reward, IoU}; the total is made on the host.
extern "C" __global__ void grounding_reward(int numSamples, const double* worldBoxes, const int* frame, const int* frames,
                                            const int* gtFrame, const double* gtBoxes, double frameTolerance,
                                            double* parts) {
    int b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= numSamples) return;
    double frameReward = 0, iou = 0;
    int f = frame[b];
    if (f >= 0) {
        frameReward = fmax(0.0, 1 - fabs((double)(f - gtFrame[b])) / frameTolerance);
        if (f < frames[b]) iou = iou3d(worldBoxes + 9LL * b, gtBoxes + 9LL * b);
    }
    parts[2LL * b] = frameReward;
    parts[2LL * b + 1] = iou;
}

// MRA per sample (Mra.of): valid[b] == 0 marks an unparsable answer. The total is made on the host.
extern "C" __global__ void numeric_reward(int numSamples, const double* pred, const int* valid, const double* gt,
                                          const double* thresholds, int numThresholds, double* mraOut) {
    int b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= numSamples) return;
    double y = pred[b], ys = gt[b], mra = 0;
    if (valid[b] && isfinite(y) && isfinite(ys)) {
        if (ys == 0) {
            mra = y == 0 ? 1 : 0;
        } else {
            double rel = fabs(y - ys) / ys;  // VSI-Bench divides by y* itself and counts rel <= 1 - theta
            int hits = 0;
            for (int t = 0; t < numThresholds; t++) hits += rel <= 1 - thresholds[t];
            mra = (double)hits / numThresholds;
        }
    }
    mraOut[b] = mra;
}

// op over the block (blockDim a multiple of 32, at most 1024), returned to every thread.
template <class Op>
__device__ inline double block_reduce(double v, Op op) {
    __shared__ double part[32];
    v = warp_reduce(v, op);
    __syncthreads();  // part may still be read from a previous call
    if (threadIdx.x % 32 == 0) part[threadIdx.x / 32] = v;
    __syncthreads();
    double total = part[0];
    for (int w = 1; w < blockDim.x / 32; w++) total = op(total, part[w]);
    return total;
}

// Moments of all n rewards divided by their power-of-two scale, one block: stats = {mean, std, scale}.
extern "C" __global__ void batch_moments(int n, const double* rewards, double* stats) {
    double m = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) m = fmax(m, fabs(rewards[i]));
    double scale = pow2_scale(block_reduce(m, Max()));
    double s = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += rewards[i] / scale;
    double mean = block_reduce(s, Sum()) / n;
    double q = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) q += (rewards[i] / scale - mean) * (rewards[i] / scale - mean);
    q = block_reduce(q, Sum());
    if (threadIdx.x == 0) {
        stats[0] = mean;
        stats[1] = n < 2 ? 0 : sqrt(q / (n - 1));
        stats[2] = scale;
    }
}

// Group-relative advantages (Advantages.compute), one warp per group of groupSize consecutive rewards,
// taken of the rewards divided by a power-of-two scale (the group's, or the batch's for batch std).
// scaling: 0 = group std, 1 = batch std (batchStats from batch_moments), 2 = none (Dr. GRPO).
extern "C" __global__ void group_advantages(int n, int groupSize, const double* rewards, int scaling, double eps,
                                            const double* batchStats, double* adv) {
    int group = (blockIdx.x * blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x % 32;
    if ((long long)group * groupSize >= n) return;
    const double* r = rewards + (long long)group * groupSize;
    double m = 0;
    for (int i = lane; i < groupSize; i += 32) m = fmax(m, fabs(r[i]));
    double scale = scaling == 1 ? batchStats[2] : pow2_scale(warp_reduce(m, Max()));
    double s = 0;
    for (int i = lane; i < groupSize; i += 32) s += r[i] / scale;
    double mean = warp_sum(s) / groupSize;
    double divisor = 1 / scale;
    if (scaling == 0) {
        double q = 0;
        for (int i = lane; i < groupSize; i += 32) q += (r[i] / scale - mean) * (r[i] / scale - mean);
        q = warp_sum(q);
        divisor = (groupSize < 2 ? 0 : sqrt(q / (groupSize - 1))) + eps / scale;
    } else if (scaling == 1) {
        divisor = batchStats[1] + eps / scale;
    }
    for (int i = lane; i < groupSize; i += 32) adv[(long long)group * groupSize + i] = (r[i] / scale - mean) / divisor;
}

// Per-token statistics of the clipped GRPO objective over a [B, T] masked batch (LossStats.compute).
// Accumulates into acc[5] = {tokens, clipped, sum k3 KL, sum policy loss, sum ratio}; acc must be zeroed.
extern "C" __global__ void loss_stats(int B, int T, const float* logpNew, const float* logpOld, const float* logpRef,
                                      const float* mask, const double* adv, double clipLow, double clipHigh,
                                      double* acc) {
    double a[5] = {0, 0, 0, 0, 0};
    long long total = (long long)B * T;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        if (mask[i] == 0) continue;
        double A = adv[i / T];
        double ratio = exp((double)logpNew[i] - (double)logpOld[i]);
        double clipped = fmin(fmax(ratio, 1 - clipLow), 1 + clipHigh);
        double d = fmin(fmax((double)logpRef[i] - (double)logpNew[i], -20.0), 20.0);  // LossStats.k3's bounds
        a[0] += 1;
        a[1] += (A > 0 && ratio > 1 + clipHigh) || (A < 0 && ratio < 1 - clipLow);
        a[2] += fmin(exp(d) - d - 1, 10.0);
        a[3] += -fmin(ratio * A, clipped * A);
        a[4] += ratio;
    }
    for (int k = 0; k < 5; k++) {
        double v = block_reduce(a[k], Sum());
        if (threadIdx.x == 0) atomicAdd(acc + k, v);
    }
}
