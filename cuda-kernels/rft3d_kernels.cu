// rft3d's GPU kernels: batched rewards and GRPO statistics, checked against the Java reference engine.
// Every entry point is extern "C" so Java finds it by name with cuModuleGetFunction. Layouts are ragged:
// sample b owns predictions [predOff[b], predOff[b+1]) and GT boxes [gtOff[b], gtOff[b+1]), and its IoU
// matrix (row-major, predictions x GT) starts at pairOff[b] = sum over earlier samples of P_i * G_i.
#include <cfloat>
#include <cub/block/block_scan.cuh>

#include "answer_scan.cuh"
#include "iou3d.cuh"

using namespace rft3d;

namespace {

constexpr unsigned FULL = 0xffffffffu;

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

// Prepares boxes (9 numbers each) once for all their pairs: table[PREPARED * i], kind[i], and the bounding
// sphere (centre, radius) packed alone in sphere[i], which the test of every pair reads. blockIdx.y picks the
// set: 0 the n1 boxes1 into table1/kind1/sphere1, 1 the n2 boxes2 into the second. Boxes go in and tables
// out through shared memory, 128 a round, so that global reads and writes are whole lines (a thread writing
// its own 128-byte row made eight partial writes a line and kept L2 busy).
extern "C" __global__ void __launch_bounds__(128) prepare_boxes(int n1, const double* boxes1, double* table1, int* kind1,
                                                                double4_32a* sphere1, int n2, const double* boxes2, double* table2,
                                                                int* kind2, double4_32a* sphere2) {
    constexpr int ROW = PREPARED + 1;  // padded, so the threads' rows start in different banks
    __shared__ double in[128 * 9], out[128 * ROW];
    const bool first = blockIdx.y == 0;
    const int n = first ? n1 : n2;
    const double* boxes = first ? boxes1 : boxes2;
    double* table = first ? table1 : table2;
    for (long long start = (long long)blockIdx.x * 128; start < n; start += (long long)gridDim.x * 128) {
        const int count = (int)min(128LL, n - start);
        for (int k = threadIdx.x; k < 9 * count; k += 128) in[k] = boxes[9 * start + k];
        __syncthreads();
        if (threadIdx.x < count) {
            double* t = out + ROW * threadIdx.x;
            (first ? kind1 : kind2)[start + threadIdx.x] = prepare_box(in + 9 * threadIdx.x, t);
            (first ? sphere1 : sphere2)[start + threadIdx.x] = make_double4_32a(t[0], t[1], t[2], t[15]);
        }
        __syncthreads();
        for (int k = threadIdx.x; k < PREPARED * count; k += 128) table[PREPARED * start + k] = out[ROW * (k / PREPARED) + k % PREPARED];
        __syncthreads();  // in and out are rewritten by the next round
    }
}

// A warp's walk over the tiles of one sample's matrix, a tile being one row and 32 columns (a lane each):
// tile t is row t / colBlocks, columns 32 (t % colBlocks) ..; the warp takes every `stride`-th tile. Rows and
// columns advance by subtraction, so no lane divides per pair.
struct TileWalk {
    long long tile, tiles;
    int row, colBlock, colBlocks, stride;
    __device__ TileWalk(long long first, long long tiles, int colBlocks, int stride)
        : tile(first), tiles(tiles), row((int)(first / colBlocks)), colBlock((int)(first % colBlocks)),
          colBlocks(colBlocks), stride(stride) {}
    __device__ bool more() const { return tile < tiles; }
    __device__ void next() {
        tile += stride;
        colBlock += stride;
        while (colBlock >= colBlocks) { colBlock -= colBlocks; row++; }
    }
};

// Step 1 of the pairwise IoU: every pair gets IoU 0, except pairs that share a label and whose bounding
// spheres meet: those go to one of two work lists of (pair index, prediction, GT box), list 0 for upright
// pairs (both boxes aligned or yaw-only), list 1 for the others (polyhedral; separate_pairs sorts them). Both share one
// region of `capacity` entries (all the pairs): list 0 fills it from the front, list 1 from the back. Only a
// few percent of pairs qualify; compacting them keeps every lane of step 2 busy. Each warp walks row tiles
// (the GT side coalesced, the prediction's data one broadcast), 32 tiles a chunk; a thread keeps its hits
// as bits and the block reserves its slots with one atomic per list and chunk: one per warp was a queue of
// ~10^5 atomics on two addresses. Grid: y walks the samples, x the chunks of one sample. Block: 256 threads,
// at most 32 registers, so that eight blocks fit an SM and 1,024 samples run in one wave.
extern "C" __global__ void __launch_bounds__(256, 8) candidate_pairs(
        int numSamples, const int* predOff, const int* gtOff, const long long* pairOff, const int* predKind,
        const double4_32a* predSphere, const int* predLabels, const int* gtKind, const double4_32a* gtSphere, const int* gtLabels, double* iou, unsigned long long* workCount, long long* workPair,
        int2* workBoxes, long long capacity) {
    __shared__ unsigned warpTotals[8];
    __shared__ unsigned long long base[2];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    const long long chunkTiles = 32LL * warps;
    for (int b = blockIdx.y; b < numSamples; b += gridDim.y) {
        const int P = predOff[b + 1] - predOff[b], G = gtOff[b + 1] - gtOff[b];
        if (G == 0) continue;
        const int colBlocks = (G + 31) / 32;
        const long long tiles = (long long)P * colBlocks;
        double* m = iou + pairOff[b];
        for (long long chunk = blockIdx.x * chunkTiles; chunk < tiles; chunk += gridDim.x * chunkTiles) {
            unsigned faceBits = 0, otherBits = 0;
            int it = 0;
            for (TileWalk w(chunk + warp, tiles, colBlocks, warps); it < 32 && w.more(); it++, w.next()) {
                int q = 32 * w.colBlock + lane;
                if (q >= G) continue;
                int p = predOff[b] + w.row, g = gtOff[b] + q;
                m[(long long)w.row * G + q] = 0;
                int pk = predKind[p], gk = gtKind[g];
                if (predLabels[p] != gtLabels[g] || pk == INVALID || gk == INVALID) continue;
                double4_32a sp = predSphere[p], sg = gtSphere[g];
                if (spheres_apart(sp.x, sp.y, sp.z, sp.w, sg.x, sg.y, sg.z, sg.w)) continue;  // cannot_touch, from the packed spheres
                if (pk <= YAW_ONLY && gk <= YAW_ONLY) otherBits |= 1u << it;
                else faceBits |= 1u << it;
            }
            // Block-wide exclusive scan of the per-thread counts, both lists packed in one word (each < 2^16).
            unsigned mine = (__popc(faceBits) << 16) | __popc(otherBits), incl = mine;
            for (int s = 1; s < 32; s *= 2) {
                unsigned v = __shfl_up_sync(FULL, incl, s);
                if (lane >= s) incl += v;
            }
            if (lane == 31) warpTotals[warp] = incl;
            __syncthreads();
            unsigned before = incl - mine, total = 0;
            for (int k = 0; k < warps; k++) {
                if (k < warp) before += warpTotals[k];
                total += warpTotals[k];
            }
            if (threadIdx.x == 0) {
                base[0] = (total & 0xffff) ? atomicAdd(&workCount[0], (unsigned long long)(total & 0xffff)) : 0;
                base[1] = (total >> 16) ? atomicAdd(&workCount[1], (unsigned long long)(total >> 16)) : 0;
            }
            __syncthreads();
            unsigned long long slot[2] = {base[0] + (before & 0xffff), base[1] + (before >> 16)};
            it = 0;
            for (TileWalk w(chunk + warp, tiles, colBlocks, warps); it < 32 && (faceBits | otherBits) >> it; it++, w.next()) {
                if (!(((faceBits | otherBits) >> it) & 1)) continue;
                int list = (faceBits >> it) & 1, q = 32 * w.colBlock + lane;
                long long at = list ? capacity - 1 - (long long)slot[1]++ : (long long)slot[0]++;
                workPair[at] = pairOff[b] + (long long)w.row * G + q;
                workBoxes[at] = make_int2(predOff[b] + w.row, gtOff[b] + q);
            }
            __syncthreads();  // warpTotals and base are rewritten by the next chunk
        }
    }
}

// Step 2a: the exact IoU of each upright pair (work list 0: interval or rotated-rectangle overlaps), a
// thread a pair.
extern "C" __global__ void candidate_iou(const unsigned long long* workCount, const long long* workPair,
                                         const int2* workBoxes, const double* predTable, const int* predKind,
                                         const double* gtTable, const int* gtKind, double* iou) {
    unsigned long long n = workCount[0];
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)gridDim.x * blockDim.x) {
        const int2 pq = workBoxes[i];
        const double *a = predTable + (long long)PREPARED * pq.x, *b = gtTable + (long long)PREPARED * pq.y;
        iou[workPair[i]] = iou_from_intersection(a, b, upright_intersection(a, predKind[pq.x], b, gtKind[pq.y]));
    }
}

// Step 2b: the polyhedral pairs (work list 1, from the back of the lists' region, n1 of them) sorted as
// Iou3D.polyhedralIntersection sorts them, a thread a pair: apart by a separating axis (a quarter in a
// scene: their IoU stays 0), with nearly parallel faces (their list positions go to `watertight`, their
// count to workCount[3]), or clipped face by face (to `kept`, workCount[2]). Testing in
// candidate_pairs, where few lanes of a warp hold a candidate, cost more than it saved (candidate_pairs
// 62 -> 317 us for facewise_iou 224 -> 174); so did testing in facewise_iou's blocks between rounds of
// clipping (231 us). Warp-aggregated: one atomic a warp and list.
extern "C" __global__ void __launch_bounds__(256) separate_pairs(unsigned long long* workCount, const int2* workBoxes,
                                                                 long long capacity, const double* predTable, const double* gtTable,
                                                                 unsigned* kept, unsigned* watertight) {
    const unsigned long long n = workCount[1];
    const int lane = threadIdx.x % 32;
    const unsigned below = (1u << lane) - 1;
    for (unsigned long long base = (unsigned long long)blockIdx.x * blockDim.x; base < n; base += (unsigned long long)gridDim.x * blockDim.x) {
        const unsigned long long i = base + threadIdx.x;
        bool facewise = false, parallel = false;
        if (i < n) {
            const int2 pq = workBoxes[capacity - 1 - (long long)i];
            const double *a = predTable + (long long)PREPARED * pq.x, *b = gtTable + (long long)PREPARED * pq.y;
            if (!separated(a, b)) (nearly_parallel_faces(a, b) ? parallel : facewise) = true;
        }
        const unsigned face = __ballot_sync(FULL, facewise), water = __ballot_sync(FULL, parallel);
        unsigned long long firstFace = 0, firstWater = 0;
        if (lane == 0 && face) firstFace = atomicAdd(&workCount[2], (unsigned long long)__popc(face));
        if (lane == 0 && water) firstWater = atomicAdd(&workCount[3], (unsigned long long)__popc(water));
        firstFace = __shfl_sync(FULL, firstFace, 0);
        firstWater = __shfl_sync(FULL, firstWater, 0);
        if (facewise) kept[firstFace + __popc(face & below)] = (unsigned)i;
        if (parallel) watertight[firstWater + __popc(water & below)] = (unsigned)i;
    }
}

// Step 2c: the kept pairs with nearly parallel faces, a warp a pair (watertight_intersection_warp, its
// state in shared memory), on the side stream beside the face-wise clipping.
extern "C" __global__ void __launch_bounds__(32) watertight_iou(const unsigned long long* workCount, const unsigned* watertight,
                                                               const long long* workPair, const int2* workBoxes, long long capacity,
                                                               const double* predTable, const double* gtTable, double* iou) {
    __shared__ WatertightState state;
    const unsigned long long n = workCount[3];
    for (unsigned long long i = blockIdx.x; i < n; i += gridDim.x) {
        const long long at = capacity - 1 - (long long)watertight[i];
        const int2 pq = workBoxes[at];
        const double *a = predTable + (long long)PREPARED * pq.x, *b = gtTable + (long long)PREPARED * pq.y;
        const double inter = watertight_intersection_warp(a, b, state);
        if (threadIdx.x == 0) iou[workPair[at]] = iou_from_intersection(a, b, inter);
        __syncwarp();  // the state is rewritten for the next pair
    }
}

// Step 2d: the pairs kept for face-wise clipping (the front of `kept`), twelve threads a pair and eight
// pairs a block of 96: thread 12 k + f clips face f of the prediction by the GT box (f < 6) or face f - 6 of
// the GT box by the prediction, and the block sums each pair's twelve parts in Iou3D.facewiseIntersection's
// order.
// Each thread's polygon buffers are a column of dynamic shared memory (40 doubles a thread): in local
// memory, lanes at different vertices were a scattered access each, and L1 bandwidth bound the kernel.
// (Skipping the planes that do not cut a face, and queueing only the faces that need clipping, were
// measured no faster: lanes of a warp then diverge over which planes they clip.)
extern "C" __global__ void __launch_bounds__(96) facewise_iou(const unsigned long long* workCount, const unsigned* kept,
                                                              const long long* workPair, const int2* workBoxes, long long capacity,
                                                              const double* predTable, const double* gtTable, double* iou) {
    extern __shared__ double polygons[];
    __shared__ double parts[96];
    const unsigned long long n = workCount[2];
    const int f = threadIdx.x % 12, slot = threadIdx.x / 12, pairsPerBlock = blockDim.x / 12;
    for (unsigned long long first = (unsigned long long)blockIdx.x * pairsPerBlock; first < n;
         first += (unsigned long long)gridDim.x * pairsPerBlock) {
        const unsigned long long i = first + slot;
        long long at = -1;
        const double *a = nullptr, *b = nullptr;
        double part = 0;
        if (i < n) {
            at = capacity - 1 - (long long)kept[i];
            int2 pq = workBoxes[at];
            a = predTable + (long long)PREPARED * pq.x;
            b = gtTable + (long long)PREPARED * pq.y;
            part = face_volume6(f < 6 ? a : b, f < 6 ? b : a, a, f % 6, polygons + threadIdx.x, blockDim.x);
        }
        parts[threadIdx.x] = part;
        __syncthreads();
        if (f == 0 && i < n) {
            const double* mine = parts + 12 * slot;
            double v6 = 0;
            for (int k = 0; k < 6; k++) v6 += mine[k] + mine[6 + k];
            iou[workPair[at]] = iou_from_intersection(a, b, fmax(0.0, v6 / 6));
        }
        __syncthreads();  // parts is rewritten by the next round
    }
}

// The largest v over the warp, returned to every lane, for v >= 0 (+0, never -0): non-negative doubles
// order as their bit patterns, so two 32-bit reductions find it exactly.
__device__ inline double warp_max_nonneg(double v) {
    unsigned hi = __reduce_max_sync(FULL, (unsigned)__double2hiint(v));
    unsigned lo = __reduce_max_sync(FULL, (unsigned)__double2hiint(v) == hi ? (unsigned)__double2loint(v) : 0u);
    return __hiloint2double((int)hi, (int)lo);
}

// Warp arg-max of (v >= 0, g): the largest v, ties to the smallest g (the Java loop's rule), to every lane.
__device__ inline void warp_argmax(double& v, int& g) {
    double best = warp_max_nonneg(v);
    g = (int)__reduce_min_sync(FULL, v == best ? (unsigned)g : 0x7fffffffu);
    v = best;
}

constexpr int ROW_CANDIDATES = 16;  // entries above the lowest threshold kept per row; rows with more read the matrix
constexpr int MATCH_WARPS = 4;

// One sample's matching state: each row's best IoU, its candidates (entries above the lowest threshold:
// the only ones greedy matching can take) as up to ROW_CANDIDATES (value, column) pairs and their count,
// and a used flag per GT box. In shared memory when it fits in sharedBytes, else in global scratch at the
// sample's rows (predOff) and columns (gtOff).
struct MatchState {
    double *value, *rowBest;
    int *col, *rowCount;
    unsigned char* used;

    __device__ static size_t bytes(int P, int G) { return (size_t)P * (12 * ROW_CANDIDATES + 12) + G; }

    __device__ MatchState(int P, int G, char* shared, int sharedBytes, int predFirst, int gtFirst, double* gValue,
                          double* gRowBest, int* gCol, int* gRowCount, unsigned char* gUsed) {
        if (bytes(P, G) <= (size_t)sharedBytes) {
            value = reinterpret_cast<double*>(shared);
            rowBest = value + (size_t)P * ROW_CANDIDATES;
            col = reinterpret_cast<int*>(rowBest + P);
            rowCount = col + (size_t)P * ROW_CANDIDATES;
            used = reinterpret_cast<unsigned char*>(rowCount + P);
        } else {
            value = gValue + (size_t)predFirst * ROW_CANDIDATES;
            rowBest = gRowBest + predFirst;
            col = gCol + (size_t)predFirst * ROW_CANDIDATES;
            rowCount = gRowCount + predFirst;
            used = gUsed + gtFirst;
        }
    }
};

// Detection statistics of each sample from its IoU matrix, a block of MATCH_WARPS warps per sample
// (DetectionMatcher.fromIou): greedy matching in output order per threshold, F1 averaged over thresholds,
// mean best IoU: parts[5 * b ..] = {meanBestIou, f1, tp, fp, fn}, counts at the first threshold. The
// weighted total is made on the host, by DetectionTask's one formula.
// Phase 1, all warps, a warp a row (coalesced, several rows in flight): the row's best and its candidates.
// Phase 2, one warp: the greedy steps, a chain of dependent steps, each reading a row's few candidates (a
// lane each) instead of its G entries, so that a sample's state is ~13 KB for 64 x 64 boxes and all samples
// are resident at once (staging whole 32 KB matrices took two waves). A row with more candidates than it
// keeps is read from the matrix. Dynamic shared memory: sharedBytes, MatchState's layout; the g* arrays are
// its global fallback (ROW_CANDIDATES values and columns per prediction, a best and count per prediction,
// a used byte per GT box).
extern "C" __global__ void __launch_bounds__(32 * MATCH_WARPS) detection_reward(
        int numSamples, const int* predOff, const int* gtOff, const long long* pairOff, const double* iou,
        const double* thresholds, int numThresholds, int sharedBytes, double* gValue, double* gRowBest, int* gCol,
        int* gRowCount, unsigned char* gUsed, double* parts) {
    extern __shared__ double dynamicShared[];
    constexpr int ROWS = 4;  // rows a warp has in flight
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    double lowest = thresholds[0];
    for (int t = 1; t < numThresholds; t++) lowest = fmin(lowest, thresholds[t]);
    for (int b = blockIdx.x; b < numSamples; b += gridDim.x) {
        const int P = predOff[b + 1] - predOff[b], G = gtOff[b + 1] - gtOff[b];
        const double* m = iou + pairOff[b];
        MatchState st(P, G, reinterpret_cast<char*>(dynamicShared), sharedBytes, predOff[b], gtOff[b], gValue, gRowBest, gCol,
                      gRowCount, gUsed);
        for (int p0 = ROWS * warp; p0 < P; p0 += ROWS * MATCH_WARPS) {
            double best[ROWS];
            int count[ROWS];
            for (int r = 0; r < ROWS; r++) best[r] = 0, count[r] = 0;
            for (int g0 = 0; g0 < G; g0 += 32) {
                const int g = g0 + lane;
                double x[ROWS];
#pragma unroll
                for (int r = 0; r < ROWS; r++) x[r] = p0 + r < P && g < G ? m[(long long)(p0 + r) * G + g] : 0;
#pragma unroll
                for (int r = 0; r < ROWS; r++) {
                    best[r] = fmax(best[r], x[r]);
                    const bool candidate = x[r] > lowest;
                    const unsigned bits = __ballot_sync(FULL, candidate);
                    const int k = count[r] + __popc(bits & ((1u << lane) - 1));
                    if (candidate && k < ROW_CANDIDATES) {
                        st.value[(size_t)(p0 + r) * ROW_CANDIDATES + k] = x[r];
                        st.col[(size_t)(p0 + r) * ROW_CANDIDATES + k] = g;
                    }
                    count[r] += __popc(bits);
                }
            }
            for (int r = 0; r < ROWS && p0 + r < P; r++) {
                const double rowBest = warp_max_nonneg(best[r]);
                if (lane == 0) {
                    st.rowBest[p0 + r] = rowBest;
                    st.rowCount[p0 + r] = count[r];
                }
            }
        }
        __syncthreads();
        if (warp == 0) {
            double meanBest, f1Sum = 0;
            int tp0 = 0;
            if (P == 0 && G == 0) {
                meanBest = 1;
                f1Sum = numThresholds;
            } else {
                double bestSum = 0;  // summed in row order, as the CPU does
                for (int base = 0; base < P; base += 32) {
                    const double v = base + lane < P ? st.rowBest[base + lane] : 0;
                    for (int r = 0; r < 32 && base + r < P; r++) bestSum += __shfl_sync(FULL, v, r);
                }
                meanBest = P == 0 ? 0 : bestSum / P;
                for (int t = 0; t < numThresholds; t++) {
                    const double th = thresholds[t];
                    for (int g = lane; g < G; g += 32) st.used[g] = 0;
                    __syncwarp();
                    int tp = 0;
                    for (int p = 0; p < P; p++) {
                        const int count = st.rowCount[p];
                        double v = 0;
                        int idx = 0x7fffffff;
                        if (count <= ROW_CANDIDATES) {
                            if (lane < count) {
                                const double x = st.value[(size_t)p * ROW_CANDIDATES + lane];
                                const int g = st.col[(size_t)p * ROW_CANDIDATES + lane];
                                if (!st.used[g]) v = x, idx = g;
                            }
                        } else {
                            for (int g = lane; g < G; g += 32) {
                                const double x = m[(long long)p * G + g];
                                if (!st.used[g] && x > v) v = x, idx = g;  // strict: this lane's smallest g wins ties
                            }
                        }
                        // Most rows have at most one lane above the threshold: then that lane's entry is the
                        // arg-max, and the three reductions are needed only when two or more compete.
                        const unsigned above = __ballot_sync(FULL, v > th && idx != 0x7fffffff);
                        if (above == 0) continue;
                        if (__popc(above) == 1) idx = __shfl_sync(FULL, idx, __ffs(above) - 1);
                        else warp_argmax(v, idx);
                        if (lane == 0) st.used[idx] = 1;
                        tp++;
                        __syncwarp();
                    }
                    const int fp = P - tp, fn = G - tp, denom = 2 * tp + fp + fn;
                    f1Sum += denom == 0 ? 1.0 : 2.0 * tp / denom;
                    if (t == 0) tp0 = tp;
                }
            }
            if (lane == 0) {
                double* o = parts + 5LL * b;
                o[0] = meanBest;
                o[1] = f1Sum / numThresholds;
                o[2] = tp0;
                o[3] = P - tp0;
                o[4] = G - tp0;
            }
        }
        __syncthreads();  // the state is rewritten for this block's next sample
    }
}

// Token ids to UTF-8 text, a block a row: row r's first lengths[r] ids (int64, row-major with cols a row) become
// the concatenation of their pieces (pieceBytes[pieceOff[id] .. pieceOff[id + 1])) at text[textOff[r] ..];
// textLen[r] is its length, or -1 when it overflows textOff[r + 1] - textOff[r] bytes. Ids outside the
// vocabulary decode to nothing, as RewardEngine.text has it.
extern "C" __global__ void __launch_bounds__(256) detokenize(int rows, int cols, const long long* tokens, const int* lengths, int vocab,
                                                             const int* pieceOff, const unsigned char* pieceBytes,
                                                             const long long* textOff, unsigned char* text, int* textLen) {
    typedef cub::BlockScan<int, 256> BlockScan;
    __shared__ typename BlockScan::TempStorage scan;
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const int n = lengths[r];
        unsigned char* out = text + textOff[r];
        const long long capacity = textOff[r + 1] - textOff[r];
        long long used = 0;
        for (int chunk = 0; chunk < n; chunk += 256) {
            int i = chunk + threadIdx.x;
            long long id = i < n ? tokens[(long long)r * cols + i] : -1;
            int from = id >= 0 && id < vocab ? pieceOff[id] : 0, len = id >= 0 && id < vocab ? pieceOff[id + 1] - from : 0;
            int off, total;
            BlockScan(scan).ExclusiveSum(len, off, total);
            __syncthreads();  // the scan's storage is reused by the next chunk
            if (used + off + len <= capacity)
                for (int k = 0; k < len; k++) out[used + off + k] = pieceBytes[from + k];
            used += total;
        }
        if (threadIdx.x == 0) textLen[r] = used <= capacity ? (int)used : -1;
    }
}

namespace {

constexpr int READ_THREADS = 128;

__device__ inline EnvelopeTally shfl_down(EnvelopeTally y, int by) {
    EnvelopeTally o;
    o.thinkOpens = __shfl_down_sync(FULL, y.thinkOpens, by);
    o.thinkCloses = __shfl_down_sync(FULL, y.thinkCloses, by);
    o.answerOpens = __shfl_down_sync(FULL, y.answerOpens, by);
    o.answerCloses = __shfl_down_sync(FULL, y.answerCloses, by);
    o.firstThinkClose = __shfl_down_sync(FULL, y.firstThinkClose, by);
    o.lastAnswerOpen = __shfl_down_sync(FULL, y.lastAnswerOpen, by);
    o.closeAfterLast = __shfl_down_sync(FULL, y.closeAfterLast, by);
    o.firstAnswerClose = __shfl_down_sync(FULL, y.firstAnswerClose, by);
    o.ascii = __shfl_down_sync(FULL, (int)y.ascii, by);
    return o;
}

}  // namespace

// Each row's text read as a detection answer, a block a row, as scan_detection (answer_scan.cuh) reads it with
// the block's threads as its pieces: the envelope's tags tallied piece by piece and merged in order, the
// object starts listed from each piece's quote parity, then a thread an object. Row r's text is
// text[textOff[r] ..], textLen[r] bytes (-1: none, declined); its objects go to boxes[9 boxOff[r] ..] and
// labels[boxOff[r] ..], at most boxOff[r + 1] - boxOff[r] <= maxBoxes of them (more are declined).
// facts[r] = {read (1) or declined (0), objects, objects alone on their line, envelope well formed}.
// Dynamic shared memory: 4 (maxBoxes + 1) bytes.
extern "C" __global__ void __launch_bounds__(READ_THREADS) read_detections(
    int rows, const unsigned char* text, const long long* textOff, const int* textLen, const int* boxOff,
    const unsigned long long* pow5, int dictSize, const int* dictOff, const unsigned char* dict, double* boxes, int* labels,
    int4* facts) {
    typedef cub::BlockScan<int, READ_THREADS> BlockScan;
    __shared__ typename BlockScan::TempStorage scan;
    __shared__ EnvelopeTally warpTally[READ_THREADS / 32];
    __shared__ Span answer;
    __shared__ int wellFormed, ascii, failed, onOwnLine;
    extern __shared__ int starts[];
    const int tid = threadIdx.x, lane = tid & 31;
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const unsigned char* t = text + textOff[r];
        const int len = textLen[r], limit = boxOff[r + 1] - boxOff[r];
        if (len < 0) {
            if (tid == 0) facts[r] = make_int4(0, 0, 0, 0);
            continue;  // uniform across the block
        }
        const Span raw = {0, len}, s = strip(t, raw);
        EnvelopeTally y = tally(t, s, piece(s, tid, READ_THREADS).b, piece(s, tid, READ_THREADS).e);
        for (int by = 1; by < 32; by *= 2) {  // in order: lane i merges lanes [i, i + 2 by)
            EnvelopeTally next = shfl_down(y, by);
            if (lane + by < 32) y = merge(y, next);
        }
        if (lane == 0) warpTally[tid / 32] = y;
        __syncthreads();
        if (tid == 0) {
            for (int w = 1; w < READ_THREADS / 32; w++) y = merge(y, warpTally[w]);
            bool formed;
            answer = envelope(t, raw, s, y, formed);
            wellFormed = formed;
            ascii = y.ascii;
            failed = 0;
            onOwnLine = 0;
        }
        __syncthreads();
        const Span a = answer;
        const Span mine = piece(a, tid, READ_THREADS);
        Braces c = braces(t, mine);
        int quotesBefore, startsBefore, objects;
        BlockScan(scan).ExclusiveSum(c.quotes, quotesBefore);
        __syncthreads();
        BlockScan(scan).ExclusiveSum(c.outside[quotesBefore & 1], startsBefore, objects);
        list_starts(t, mine, quotesBefore & 1, starts, startsBefore, limit + 1);
        __syncthreads();
        bool ok = ascii && objects <= limit;
        if (ok) {
            if (tid == 0 && !scan_head(t, a, objects > 0 ? starts[0] : -1)) failed = 1;
            int own = 0;
            for (int k = tid; k < objects; k += READ_THREADS) {
                bool alone;
                double* box = boxes + 9LL * (boxOff[r] + k);
                if (!scan_object(t, a, starts[k], k + 1 < objects ? starts[k + 1] : -1, pow5, dictSize, dictOff, dict, box,
                                 labels[boxOff[r] + k], alone))
                    failed = 1;
                own += alone;
            }
            if (own) atomicAdd(&onOwnLine, own);
        }
        __syncthreads();
        if (tid == 0) facts[r] = ok && !failed ? make_int4(1, objects, onOwnLine, wellFormed) : make_int4(0, 0, 0, 0);
        __syncthreads();  // the shared state is rewritten for the next row
    }
}

// The batch's predictions packed for the IoU kernels, a block a row: row r's boxes (predOff[r + 1] - predOff[r]
// of them) come from the device's reading at deviceOff[r] when that is >= 0, else from the host's at hostOff[r].
extern "C" __global__ void pack_predictions(int rows, const int* predOff, const int* deviceOff, const double* deviceBoxes,
                                            const int* deviceLabels, const int* hostOff, const double* hostBoxes, const int* hostLabels,
                                            double* packedBoxes, int* packedLabels) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const int n = predOff[r + 1] - predOff[r];
        const bool device = deviceOff[r] >= 0;
        const long long from = device ? deviceOff[r] : hostOff[r];
        const double* b = (device ? deviceBoxes : hostBoxes) + 9 * from;
        const int* l = (device ? deviceLabels : hostLabels) + from;
        for (int k = threadIdx.x; k < 9 * n; k += blockDim.x) packedBoxes[9LL * predOff[r] + k] = b[k];
        for (int k = threadIdx.x; k < n; k += blockDim.x) packedLabels[predOff[r] + k] = l[k];
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
