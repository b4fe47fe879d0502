package rft3d.cuda;

import static jcuda.driver.JCudaDriver.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import rft3d.geometry.LabeledBox;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.Advantages;
import rft3d.grpo.LossStats;
import rft3d.parse.AnswerParser;
import rft3d.reward.CpuRewardEngine;
import rft3d.reward.DetectionMatcher;
import rft3d.reward.DetectionTask;
import rft3d.reward.GroundingTask;
import rft3d.reward.NumericTask;
import rft3d.reward.ParsedAnswer;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;

/**
 * The reward engine on an NVIDIA GPU: answers given as text are parsed on the CPU threads, then the
 * geometry, matching, rewards and advantages of the whole batch run as a few kernel launches over one
 * packed upload. Detection answers given as token ids ({@link #scoreTokens},
 * {@link #scoreDetectionTokensOnDevice}) are decoded and read on the GPU too. Results equal
 * {@link CpuRewardEngine}'s (tested on random batches); multiple-choice scoring, a string comparison, stays
 * on the CPU.
 *
 * <p>Device work is serialised (one stream, reused buffers); the parsing and packing of concurrent calls
 * runs in parallel, on the engine's CPU threads. The {@code ...OnDevice} methods take raw device
 * addresses (for example LibTorch CUDA tensors' {@code data_ptr()}) in the same primary context.
 */
public final class GpuRewardEngine implements RewardEngine {
    private static final int THREADS = 256;
    /** Most shared memory a block of the matching kernel takes (the default 48 KiB limit). */
    private static final int MAX_MATCH_SHARED_BYTES = 48 << 10;
    /** detection_reward's ROW_CANDIDATES and MATCH_WARPS. */
    private static final int ROW_CANDIDATES = 16, MATCH_THREADS = 128;
    /** facewise_iou's block: eight pairs of twelve faces. */
    private static final int FACEWISE_THREADS = 96;
    /** Blocks per SM for the face-wise IoU kernel (a grid-stride loop): as many as its shared memory lets in. */
    private static final long FACEWISE_BLOCKS_PER_SM = 7;
    /** facewise_iou's polygon buffers: 40 doubles for each thread. */
    private static final int FACEWISE_SHARED_BYTES = 40 * 8 * FACEWISE_THREADS;

    /** read_detections' block: its threads take the pieces of one row's text. */
    private static final int READ_THREADS = 128;

    private final RewardConfig cfg;
    private final CudaModule cuda;
    private final CpuRewardEngine cpu;
    /** All the engine's host and device memory. */
    private final DeviceArena arena;
    /** The table the device's number conversion reads. */
    private final long[] powersOfFive = PowersOfFive.table();
    /** The last tokenizer's pieces, as the detokenizer reads them. */
    private Utf8Strings vocabulary;
    /** The GT kept on the device from the last detection call, and where it is in the arena. */
    private DetectionTruths resident;
    private Truths residentAt;
    private final CUfunction prepareBoxes, candidatePairs, candidateIou, separatePairs, watertightIou, facewiseIou, detectionReward, groundingReward, numericReward,
            batchMoments, groupAdvantages, lossStats, detokenize, readDetections, packPredictions;
    private final CUevent start = new CUevent(), stop = new CUevent();
    private float lastKernelMillis;

    private GpuRewardEngine(RewardConfig cfg, CudaModule cuda) {
        this.cfg = cfg;
        this.cuda = cuda;
        this.cpu = new CpuRewardEngine(cfg);
        this.arena = new DeviceArena(cuda.stream());
        prepareBoxes = cuda.function("prepare_boxes");
        candidatePairs = cuda.function("candidate_pairs");
        candidateIou = cuda.function("candidate_iou");
        separatePairs = cuda.function("separate_pairs");
        watertightIou = cuda.function("watertight_iou");
        facewiseIou = cuda.function("facewise_iou");
        detectionReward = cuda.function("detection_reward");
        groundingReward = cuda.function("grounding_reward");
        numericReward = cuda.function("numeric_reward");
        batchMoments = cuda.function("batch_moments");
        groupAdvantages = cuda.function("group_advantages");
        lossStats = cuda.function("loss_stats");
        detokenize = cuda.function("detokenize");
        readDetections = cuda.function("read_detections");
        packPredictions = cuda.function("pack_predictions");
        cuEventCreate(start, 0);
        cuEventCreate(stop, 0);
    }

    /**
     * An engine on device 0.
     *
     * @throws CudaUnavailableException with the reason when there is no usable GPU
     */
    public static GpuRewardEngine open(RewardConfig cfg) throws CudaUnavailableException {
        return new GpuRewardEngine(cfg, CudaModule.open());
    }

    @Override
    public List<Reward> score(String task, List<String> completions, List<JsonNode> gts) {
        CpuRewardEngine.checkBatch(completions, gts);
        return switch (task) {
            case "detection" -> scoreDetection(completions, gts);
            case "grounding" -> scoreGrounding(completions, gts);
            case "numeric" -> scoreNumeric(completions, gts);
            default -> cpu.score(task, completions, gts); // "mc" (string match) and unknown names (its error)
        };
    }

    // ---- detection -------------------------------------------------------------------------------

    /** Per-sample detection results of one batch, as the kernels computed them. */
    public record DetectionOutput(double[] reward, double[] meanBestIou, double[] f1, int[] tp, int[] fp, int[] fn) {
        /** Sample i's matching statistics. */
        public DetectionMatcher.Stats stats(int i) {
            return new DetectionMatcher.Stats(meanBestIou[i], f1[i], tp[i], fp[i], fn[i]);
        }
    }

    private List<Reward> scoreDetection(List<String> completions, List<JsonNode> gts) {
        return scoreDetection(completions, detectionTruths(gts));
    }

    /**
     * Detection answers as text against GT packed beforehand ({@link #detectionTruths}; a trainer's prompts
     * keep their GT over many batches): the UTF-8 bytes go to the GPU, which reads them
     * ({@code read_detections}); the few it declines are read on the host.
     */
    public List<Reward> scoreDetection(List<String> completions, DetectionTruths truths) {
        if (completions.size() != truths.size()) throw new IllegalArgumentException(completions.size() + " completions but " + truths.size() + " gts");
        // A null completion reads as "", as the CPU parser reads it.
        List<byte[]> utf8 = cpu.map(completions.size(), i -> completions.get(i) == null ? new byte[0] : completions.get(i).getBytes(StandardCharsets.UTF_8));
        long[] textOff = new long[utf8.size() + 1];
        int[] boxOff = new int[utf8.size() + 1];
        for (int i = 0; i < utf8.size(); i++) {
            textOff[i + 1] = textOff[i] + utf8.get(i).length;
            // The shortest object, {"label":"x","bbox_3d":[0,0,0,0,0,0]}, takes 37 bytes.
            boxOff[i + 1] = boxOff[i] + Math.min(AnswerParser.MAX_BOXES, utf8.get(i).length / 37 + 1);
        }
        return readDetections(truths, completions::get, boxOff, () -> {
            long oText = arena.reserve(Math.max(1, textOff[utf8.size()]));
            cpu.map(utf8.size(), i -> arena.bytes(oText + textOff[i], utf8.get(i).length).put(utf8.get(i)));
            int[] lengths = new int[utf8.size()];
            for (int i = 0; i < lengths.length; i++) lengths[i] = utf8.get(i).length;
            return new Text(() -> arena.at(oText), arena.put(textOff), arena.put(lengths), () -> {});
        });
    }

    /**
     * Detection rewards of already-parsed boxes: pairwise IoU, matching and rewards on the GPU. With
     * {@link RewardConfig.Matching#OPTIMAL} the IoU matrices come back and the assignment runs on the CPU.
     */
    public DetectionOutput detection(List<List<LabeledBox>> preds, List<List<LabeledBox>> gts, double[] format) {
        int b = preds.size();
        if (gts.size() != b || format.length != b) throw new IllegalArgumentException("preds, gts and format differ in length");
        DetectionMatcher.Stats[] stats = ofBoxes(preds, gts, false).stats();
        DetectionOutput out = new DetectionOutput(new double[b], new double[b], new double[b], new int[b], new int[b], new int[b]);
        DetectionTask task = new DetectionTask(cfg);
        for (int i = 0; i < b; i++) {
            DetectionMatcher.Stats s = stats[i];
            out.reward[i] = task.total(format[i], s); // the one formula, as the CPU engine's
            out.meanBestIou[i] = s.meanBestIou();
            out.f1[i] = s.f1();
            out.tp[i] = s.tp();
            out.fp[i] = s.fp();
            out.fn[i] = s.fn();
        }
        return out;
    }

    /**
     * All pairwise IoUs of the batch, flat: sample i's {@code P_i × G_i} matrix (0 for different labels)
     * starts at {@code Σ_{j<i} P_j·G_j}. For tests and benchmarks of the IoU kernels alone.
     */
    public double[] pairwiseIou(List<List<LabeledBox>> preds, List<List<LabeledBox>> gts) {
        return ofBoxes(preds, gts, true).iou();
    }

    private synchronized Matched ofBoxes(List<List<LabeledBox>> preds, List<List<LabeledBox>> gts, boolean wantIou) {
        DetectionTruths truths = DetectionTruths.of(gts, cpu);
        Layout l = Layout.of(preds.stream().mapToInt(List::size).toArray(), truths);
        cuda.makeCurrent();
        long uploadFrom = placeResident(truths);
        Placed p = place(l);
        long oBoxes = arena.reserve(72L * l.predOff[l.samples()]), oLabels = arena.reserve(4L * l.predOff[l.samples()]);
        pack(preds, l.predOff, truths, oBoxes, oLabels);
        return match(p, uploadFrom, residentAt, new Packed(oBoxes, oLabels, false), () -> {}, wantIou);
    }

    /** Where each sample's predictions, GT boxes and IoU matrix start in the flat arrays (one entry more than samples). */
    private record Layout(int[] predOff, int[] gtOff, long[] pairOff) {
        static Layout of(int[] predCounts, DetectionTruths gts) {
            int b = predCounts.length;
            int[] predOff = new int[b + 1], gtOff = new int[b + 1];
            long[] pairOff = new long[b + 1];
            for (int i = 0; i < b; i++) {
                predOff[i + 1] = predOff[i] + predCounts[i];
                gtOff[i + 1] = gtOff[i] + gts.count(i);
                pairOff[i + 1] = pairOff[i] + (long) predCounts[i] * gts.count(i);
            }
            return new Layout(predOff, gtOff, pairOff);
        }

        int samples() {
            return predOff.length - 1;
        }
    }

    /** A layout with its offset arrays placed in the arena. */
    private record Placed(Layout l, long predOff, long gtOff, long pairOff) {}

    private Placed place(Layout l) {
        return new Placed(l, arena.put(l.predOff), arena.put(l.gtOff), arena.put(l.pairOff));
    }

    /** The packed GT boxes and label ids in the arena. */
    private record Truths(long boxes, long labels) {}

    /** Packed boxes and label ids in the arena: its mirrored part, or its scratch. */
    private record Packed(long boxes, long labels, boolean inScratch) {
        Pointer boxesAt(DeviceArena a) {
            return inScratch ? a.scratchAt(boxes) : a.at(boxes);
        }

        Pointer labelsAt(DeviceArena a) {
            return inScratch ? a.scratchAt(labels) : a.at(labels);
        }
    }

    /** The matching statistics of every sample, and the IoU matrices when they were asked for. */
    private record Matched(DetectionMatcher.Stats[] stats, double[] iou) {}

    /** Every sample's predicted boxes and label ids straight into the arena at rows {@code off[i]}, samples in parallel. */
    private void pack(List<List<LabeledBox>> boxes, int[] off, DetectionTruths truths, long oBoxes, long oLabels) {
        int n = off[off.length - 1];
        if (n == 0) return;
        cpu.map(boxes.size(), i -> {
            List<LabeledBox> list = boxes.get(i);
            if (list == null || list.isEmpty()) return null;
            double[] rows = new double[9 * list.size()];
            int[] ids = new int[list.size()];
            for (int k = 0; k < list.size(); k++) {
                DetectionTruths.put(list.get(k).box(), rows, k);
                ids[k] = truths.id(list.get(k).label());
            }
            arena.doubles(oBoxes, 9 * n).put(9 * off[i], rows);
            arena.ints(oLabels, n).put(off[i], ids);
            return null;
        });
    }

    /**
     * Starts a detection call with its GT in the arena, kept there for the next call: when that call brings
     * the same {@link DetectionTruths}, it is neither copied nor uploaded again. Returns where the call's
     * uploads start.
     */
    private long placeResident(DetectionTruths t) {
        if (t == resident) {
            arena.resetToKept();
            return arena.used();
        }
        arena.reset();
        residentAt = place(t);
        resident = t;
        arena.keep();
        return 0;
    }

    /** A fresh arena for a call that keeps nothing on the device. */
    private void resetArena() {
        arena.reset();
        resident = null;
    }

    /** The packed GT in the arena, copied in slices on the engine's threads. */
    private Truths place(DetectionTruths t) {
        int nGt = t.off()[t.size()];
        Truths placed = new Truths(arena.reserve(72L * nGt), arena.reserve(4L * nGt));
        int slices = 16, rows = (nGt + slices - 1) / slices;
        cpu.map(slices, k -> {
            int from = Math.min(nGt, k * rows), to = Math.min(nGt, from + rows);
            arena.doubles(placed.boxes(), 9 * nGt).put(9 * from, t.boxes(), 9 * from, 9 * (to - from));
            arena.ints(placed.labels(), nGt).put(from, t.labelIds(), from, to - from);
            return null;
        });
        return placed;
    }

    /**
     * The device part of detection scoring, the second phase of a call: prepared boxes, candidate pairs, IoUs
     * and matching over the layout's GT boxes and the packed predictions. Uploads the arena's inputs from
     * {@code uploadFrom}, runs {@code before} (launches that fill the packed predictions) first.
     */
    private Matched match(Placed p, long uploadFrom, Truths gt, Packed preds, Runnable before, boolean wantIou) {
        Layout l = p.l();
        int b = l.samples();
        int[] predOff = l.predOff, gtOff = l.gtOff;
        long[] pairOff = l.pairOff;
        double[] thresholds = cfg.f1Thresholds().stream().mapToDouble(Double::doubleValue).toArray();
        long oThresholds = arena.put(thresholds);
        long oParts = arena.reserve(40L * b);
        long pairs = pairOff[b];
        int nPred = predOff[b], nGt = gtOff[b];
        long maxTiles = 0, matchBytes = 0; // a tile: one row and 32 columns of a sample's IoU matrix
        for (int i = 0; i < b; i++) {
            int np = predOff[i + 1] - predOff[i], ng = gtOff[i + 1] - gtOff[i];
            maxTiles = Math.max(maxTiles, (long) np * ceilDiv(ng, 32));
            matchBytes = Math.max(matchBytes, (long) np * (12 * ROW_CANDIDATES + 12) + ng); // MatchState.bytes
        }
        // Device scratch: IoU matrix, prepared boxes, kinds, bounding spheres, the two work lists' counts (and
        // how many of list 1 separate_pairs kept for each clipper), their shared region, the list-1 positions
        // (32-bit) kept for the face-wise and for the watertight clipper, and the matching state of samples
        // too big for shared memory.
        if (pairs > 0xffffffffL) throw new IllegalArgumentException(pairs + " box pairs in one call; at most 2^32 - 1");
        long iou = arena.scratch(8 * pairs), predTable = arena.scratch(128L * nPred), gtTable = arena.scratch(128L * nGt);
        long predKind = arena.scratch(4L * nPred), gtKind = arena.scratch(4L * nGt);
        long predSphere = arena.scratch(32L * nPred), gtSphere = arena.scratch(32L * nGt), workCount = arena.scratch(32);
        long workPair = arena.scratch(8 * pairs), workBoxes = arena.scratch(8 * pairs), kept = arena.scratch(4 * pairs);
        long watertight = arena.scratch(4 * pairs);
        long candValue = arena.scratch(8L * ROW_CANDIDATES * nPred), rowBest = arena.scratch(8L * nPred);
        long candCol = arena.scratch(4L * ROW_CANDIDATES * nPred), rowCount = arena.scratch(4L * nPred), used = arena.scratch(nGt);
        int shared = (int) Math.min(MAX_MATCH_SHARED_BYTES, matchBytes);
        final long tilesPerSample = maxTiles;
        run(uploadFrom, oParts, () -> {
            before.run();
            Pointer predBoxes = preds.boxesAt(arena), predLabels = preds.labelsAt(arena);
            cuMemsetD8Async(arena.scratchAt(workCount), (byte) 0, 32, cuda.stream());
            cuda.launchGrid(prepareBoxes, Math.min(ceilDiv(Math.max(nPred, nGt), 128), 8L * cuda.multiprocessors()), 2, 128, 0,
                    nPred, predBoxes, arena.scratchAt(predTable), arena.scratchAt(predKind), arena.scratchAt(predSphere),
                    nGt, arena.at(gt.boxes()), arena.scratchAt(gtTable), arena.scratchAt(gtKind), arena.scratchAt(gtSphere));
            // A chunk of candidate_pairs is 32 tiles for each of its warps: THREADS tiles.
            cuda.launchGrid(candidatePairs, Math.min(ceilDiv(tilesPerSample, THREADS), 64), Math.min(b, 65535), THREADS, 0, b,
                    arena.at(p.predOff()), arena.at(p.gtOff()), arena.at(p.pairOff()), arena.scratchAt(predKind),
                    arena.scratchAt(predSphere), predLabels, arena.scratchAt(gtKind), arena.scratchAt(gtSphere),
                    arena.at(gt.labels()), arena.scratchAt(iou), arena.scratchAt(workCount), arena.scratchAt(workPair),
                    arena.scratchAt(workBoxes), pairs);
            // The lists' lengths stay on the device: the grids are sized for the worst case, kernels stop at the
            // counts. The upright pairs, and then the pairs for the watertight clipper (few, a warp each), run
            // on the side stream beside the face-wise clipping.
            cuda.forkSide();
            cuda.launchOnSide(candidateIou, Math.min(ceilDiv(pairs, 128), 4L * cuda.multiprocessors()), 128,
                    arena.scratchAt(workCount), arena.scratchAt(workPair), arena.scratchAt(workBoxes), arena.scratchAt(predTable),
                    arena.scratchAt(predKind), arena.scratchAt(gtTable), arena.scratchAt(gtKind), arena.scratchAt(iou));
            cuda.launch(separatePairs, Math.min(ceilDiv(pairs, THREADS), 8L * cuda.multiprocessors()), THREADS, arena.scratchAt(workCount),
                    arena.scratchAt(workBoxes), pairs, arena.scratchAt(predTable), arena.scratchAt(gtTable), arena.scratchAt(kept),
                    arena.scratchAt(watertight));
            cuda.forkSide();
            cuda.launchOnSide(watertightIou, Math.min(pairs, 4L * cuda.multiprocessors()), 32, arena.scratchAt(workCount),
                    arena.scratchAt(watertight), arena.scratchAt(workPair), arena.scratchAt(workBoxes), pairs, arena.scratchAt(predTable),
                    arena.scratchAt(gtTable), arena.scratchAt(iou));
            cuda.launchGrid(facewiseIou, Math.min(ceilDiv(12 * pairs, FACEWISE_THREADS), FACEWISE_BLOCKS_PER_SM * cuda.multiprocessors()), 1,
                    FACEWISE_THREADS, FACEWISE_SHARED_BYTES, arena.scratchAt(workCount), arena.scratchAt(kept),
                    arena.scratchAt(workPair), arena.scratchAt(workBoxes), pairs, arena.scratchAt(predTable), arena.scratchAt(gtTable), arena.scratchAt(iou));
            cuda.joinSide();
            cuda.launchGrid(detectionReward, Math.min(b, 65535), 1, MATCH_THREADS, shared, b, arena.at(p.predOff()),
                    arena.at(p.gtOff()), arena.at(p.pairOff()), arena.scratchAt(iou), arena.at(oThresholds), thresholds.length, shared,
                    arena.scratchAt(candValue), arena.scratchAt(rowBest), arena.scratchAt(candCol), arena.scratchAt(rowCount),
                    arena.scratchAt(used), arena.at(oParts));
        });
        double[] matrix = null;
        if ((wantIou || cfg.matching() == RewardConfig.Matching.OPTIMAL) && pairs > 0) {
            matrix = new double[Math.toIntExact(pairs)];
            cuMemcpyDtoH(Pointer.to(matrix), arena.scratchAt(iou), 8 * pairs);
        }
        double[] parts = arena.readDoubles(oParts, 5 * b);
        DetectionMatcher.Stats[] stats = new DetectionMatcher.Stats[b];
        for (int i = 0; i < b; i++) {
            int np = predOff[i + 1] - predOff[i], g = gtOff[i + 1] - gtOff[i];
            stats[i] = cfg.matching() != RewardConfig.Matching.OPTIMAL
                    ? new DetectionMatcher.Stats(parts[5 * i], parts[5 * i + 1], (int) parts[5 * i + 2], (int) parts[5 * i + 3], (int) parts[5 * i + 4])
                    : DetectionMatcher.fromIou(rows(matrix == null ? new double[0] : matrix, pairOff[i], np, g), g, cfg);
        }
        return new Matched(stats, matrix == null ? new double[0] : matrix);
    }

    private static double[][] rows(double[] flat, long offset, int p, int g) {
        double[][] m = new double[p][g];
        for (int r = 0; r < p; r++) System.arraycopy(flat, (int) (offset + (long) r * g), m[r], 0, g);
        return m;
    }

    // ---- reading detection answers on the device --------------------------------------------------------

    /**
     * {@inheritDoc} Detection answers are turned into text and read on the GPU ({@code detokenize},
     * {@code read_detections}); the few a kernel cannot read exactly as {@link DetectionTask#parse} does
     * (see answer_scan.cuh) are decoded and read on the host. Other tasks decode on the host.
     */
    @Override
    public List<Reward> scoreTokens(String task, int[][] tokens, List<String> pieces, List<JsonNode> gts) {
        if (!task.equals("detection")) return RewardEngine.super.scoreTokens(task, tokens, pieces, gts);
        if (tokens.length != gts.size()) throw new IllegalArgumentException(tokens.length + " token rows but " + gts.size() + " gts");
        int rows = tokens.length, cols = 1;
        for (int[] row : tokens) cols = Math.max(cols, row.length);
        long[] flat = new long[rows * cols];
        int[] lengths = new int[rows];
        for (int i = 0; i < rows; i++) {
            lengths[i] = tokens[i].length;
            for (int k = 0; k < tokens[i].length; k++) flat[i * cols + k] = tokens[i][k];
        }
        return detectionFromTokens(detectionTruths(gts), rows, cols, lengths, pieces, flat, null, i -> tokens[i]);
    }

    /**
     * Detection rewards of rollouts held as token ids on the device: {@code rows × cols} int64 ids at
     * {@code tokensAddress} (a LibTorch CUDA tensor's {@code data_ptr()}, say), row r's first
     * {@code lengths[r]} of them, read as {@link #scoreTokens} reads them; only the rows a kernel declines
     * are copied to the host.
     */
    public List<Reward> scoreDetectionTokensOnDevice(long tokensAddress, int rows, int cols, int[] lengths, List<String> pieces,
                                                     List<JsonNode> gts) {
        if (gts.size() != rows) throw new IllegalArgumentException(rows + " rows but " + gts.size() + " gts");
        return scoreDetectionTokensOnDevice(tokensAddress, rows, cols, lengths, pieces, detectionTruths(gts));
    }

    /** {@link #scoreDetectionTokensOnDevice(long, int, int, int[], List, List)} against GT packed beforehand. */
    public List<Reward> scoreDetectionTokensOnDevice(long tokensAddress, int rows, int cols, int[] lengths, List<String> pieces,
                                                     DetectionTruths gts) {
        if (lengths.length != rows || gts.size() != rows) throw new IllegalArgumentException("lengths and gts must have one entry a row");
        for (int n : lengths) if (n < 0 || n > cols) throw new IllegalArgumentException("a row length is outside [0, " + cols + "]: " + n);
        return detectionFromTokens(gts, rows, cols, lengths, pieces, null, new RawDevicePointer(tokensAddress), i -> {
            long[] ids = new long[lengths[i]];
            if (ids.length > 0) { // a raw address is no CUdeviceptr, so the runtime API's copy
                jcuda.runtime.JCuda.cudaMemcpy(Pointer.to(ids), new RawDevicePointer(tokensAddress + 8L * i * cols), 8L * ids.length,
                        jcuda.runtime.cudaMemcpyKind.cudaMemcpyDeviceToHost);
            }
            int[] out = new int[ids.length];
            for (int k = 0; k < ids.length; k++) out[k] = (int) Math.max(-1, Math.min(Integer.MAX_VALUE, ids[k]));
            return out;
        });
    }

    /**
     * A batch's detection GT parsed and packed for the kernels, to score many batches against (a trainer's
     * prompts keep their GT): see {@link #scoreDetection(List, DetectionTruths)} and
     * {@link #scoreDetectionTokensOnDevice(long, int, int, int[], List, DetectionTruths)}.
     *
     * @throws IllegalArgumentException naming the first GT that is not a detection GT
     */
    @SuppressWarnings("unchecked")
    public DetectionTruths detectionTruths(List<JsonNode> gts) {
        List<List<LabeledBox>> parsed = new ArrayList<>(gts.size());
        for (Object t : cpu.parseTruths(new DetectionTask(cfg), gts)) parsed.add((List<LabeledBox>) t);
        return DetectionTruths.of(parsed, cpu);
    }

    /**
     * Token ids (host ids to upload, or ids already on the device) decoded on the device into text rows of
     * {@code cols} times the longest piece, then read.
     */
    private synchronized List<Reward> detectionFromTokens(DetectionTruths truths, int rows, int cols, int[] lengths, List<String> pieces,
                                                          long[] hostIds, Pointer deviceIds, IntFunction<int[]> rowIds) {
        if (vocabulary == null || !vocabulary.strings().equals(pieces)) vocabulary = Utf8Strings.of(pieces);
        Utf8Strings v = vocabulary;
        long capacity = (long) cols * v.longest();
        long[] textOff = new long[rows + 1];
        int[] boxOff = new int[rows + 1];
        int perRow = Math.min(AnswerParser.MAX_BOXES, cols / 6 + 1); // a box takes more than 6 tokens in any tokenizer we know; more go to the host
        for (int i = 0; i < rows; i++) {
            textOff[i + 1] = textOff[i] + capacity;
            boxOff[i + 1] = boxOff[i] + perRow;
        }
        return readDetections(truths, i -> RewardEngine.text(rowIds.apply(i), lengths[i], pieces), boxOff, () -> {
            long oText = arena.scratch(textOff[rows]), oTextOff = arena.put(textOff), oTextLen = arena.reserve(4L * rows);
            long oLengths = arena.put(lengths), oPieceOff = arena.put(v.off()), oPieceBytes = arena.put(v.bytes());
            long oIds = hostIds == null ? -1 : arena.put(hostIds);
            return new Text(() -> arena.scratchAt(oText), oTextOff, oTextLen, () -> cuda.launch(detokenize, Math.min(rows, 65535), 256,
                    rows, cols, hostIds == null ? deviceIds : arena.at(oIds), arena.at(oLengths), v.off().length - 1, arena.at(oPieceOff), arena.at(oPieceBytes),
                    arena.at(oTextOff), arena.scratchAt(oText), arena.at(oTextLen)));
        });
    }

    /**
     * A batch's text on the device once {@code decode} has run: row r at {@code text + textOff[r]},
     * {@code textLen[r]} bytes (both int arrays in the arena's mirrored part).
     */
    private record Text(java.util.function.Supplier<Pointer> text, long textOff, long textLen, Runnable decode) {}

    /**
     * Detection rewards of text rows read on the device, in two phases. One: {@code place} puts the text (or
     * what decodes into it) in the freshly reset arena; the GPU reads every row, at most
     * {@code boxOff[r + 1] - boxOff[r]} objects each; the rows it declines are read on the host from
     * {@code hostText}. Two: the predictions are packed on the device and scored against the GT.
     */
    private synchronized List<Reward> readDetections(DetectionTruths truths, IntFunction<String> hostText, int[] boxOff,
                                                     java.util.function.Supplier<Text> place) {
        int rows = truths.size();
        Utf8Strings labels = truths.labels();
        cuda.makeCurrent();
        long uploadFrom = placeResident(truths);
        Text text = place.get();
        long oBoxOff = arena.put(boxOff), oPow5 = arena.put(powersOfFive);
        long oDictOff = arena.put(labels.off()), oDict = arena.put(labels.bytes());
        long oFacts = arena.reserve(16L * rows);
        long oScanBoxes = arena.scratch(72L * boxOff[rows]), oScanLabels = arena.scratch(4L * boxOff[rows]);
        int maxBoxes = 0;
        for (int i = 0; i < rows; i++) maxBoxes = Math.max(maxBoxes, boxOff[i + 1] - boxOff[i]);
        int startsBytes = 4 * (maxBoxes + 1);
        run(uploadFrom, oFacts, () -> {
            text.decode().run();
            cuda.launchGrid(readDetections, Math.min(rows, 65535), 1, READ_THREADS, startsBytes, rows, text.text().get(),
                    arena.at(text.textOff()), arena.at(text.textLen()), arena.at(oBoxOff), arena.at(oPow5), labels.strings().size(),
                    arena.at(oDictOff), arena.at(oDict), arena.scratchAt(oScanBoxes), arena.scratchAt(oScanLabels), arena.at(oFacts));
        });
        int[] facts = arena.readInts(oFacts, 4 * rows);
        float readMillis = lastKernelMillis;

        // Each answer's reading; the rows the kernel declined are read on the host.
        ParsedAnswer<?>[] readings = new ParsedAnswer<?>[rows];
        int[] counts = new int[rows], deviceOff = new int[rows];
        List<List<LabeledBox>> hostBoxes = cpu.map(rows, i -> {
            int gt = truths.count(i);
            if (facts[4 * i] == 1) {
                DetectionTask.Reading r = DetectionTask.scanned(facts[4 * i + 3] == 1, facts[4 * i + 1], facts[4 * i + 2], gt);
                readings[i] = new ParsedAnswer<>(r.format(), null, r.reason());
                counts[i] = r.scored() ? facts[4 * i + 1] : 0;
                deviceOff[i] = boxOff[i];
                return null;
            }
            ParsedAnswer<List<LabeledBox>> p = DetectionTask.parse(hostText.apply(i), gt);
            readings[i] = p;
            counts[i] = p.value().size();
            deviceOff[i] = -1;
            return p.value();
        });
        int[] hostOff = new int[rows + 1];
        for (int i = 0; i < rows; i++) hostOff[i + 1] = hostOff[i] + (hostBoxes.get(i) == null ? 0 : hostBoxes.get(i).size());

        long phaseTwo = arena.used();
        Layout l = Layout.of(counts, truths);
        Placed p = place(l);
        long oDeviceOff = arena.put(deviceOff), oHostOff = arena.put(hostOff);
        long oHostBoxes = arena.reserve(72L * hostOff[rows]), oHostLabels = arena.reserve(4L * hostOff[rows]);
        pack(hostBoxes, hostOff, truths, oHostBoxes, oHostLabels);
        int nPred = l.predOff[rows];
        Packed preds = new Packed(arena.scratch(72L * nPred), arena.scratch(4L * nPred), true);
        DetectionMatcher.Stats[] stats = match(p, phaseTwo, residentAt, preds, () -> cuda.launch(packPredictions, Math.min(rows, 65535), 128, rows,
                arena.at(p.predOff()), arena.at(oDeviceOff), arena.scratchAt(oScanBoxes), arena.scratchAt(oScanLabels), arena.at(oHostOff),
                arena.at(oHostBoxes), arena.at(oHostLabels), preds.boxesAt(arena), preds.labelsAt(arena)), false).stats();
        lastKernelMillis += readMillis;
        DetectionTask task = new DetectionTask(cfg);
        return cpu.map(rows, i -> task.combine(readings[i], stats[i]));
    }

    // ---- grounding and numeric -------------------------------------------------------------------

    private List<Reward> scoreGrounding(List<String> completions, List<JsonNode> gts) {
        GroundingTask task = new GroundingTask(cfg);
        Object[] truths = cpu.parseTruths(task, gts);
        var parsed = cpu.map(completions.size(), i -> GroundingTask.parse(completions.get(i)));
        int b = parsed.size();
        // The convention's world transform is a few multiplies per sample: done here, in its one place.
        double[] worldBoxes = new double[9 * b], gtBoxes = new double[9 * b], format = new double[b];
        int[] frame = new int[b], gtFrame = new int[b], frames = new int[b];
        for (int i = 0; i < b; i++) {
            GroundingTask.Truth t = (GroundingTask.Truth) truths[i];
            AnswerParser.Grounding g = parsed.get(i).value();
            frame[i] = g == null ? -1 : g.frame();
            frames[i] = t.camToWorld().size();
            if (g != null && g.frame() < frames[i]) System.arraycopy(task.worldBox(t, g.frame(), g.box()).toArray(), 0, worldBoxes, 9 * i, 9);
            System.arraycopy(t.worldBox().toArray(), 0, gtBoxes, 9 * i, 9);
            gtFrame[i] = t.frame();
            format[i] = parsed.get(i).format();
        }
        double[] parts;
        synchronized (this) {
            cuda.makeCurrent();
            resetArena();
            long oBoxes = arena.put(worldBoxes), oFrame = arena.put(frame), oFrames = arena.put(frames), oGtFrame = arena.put(gtFrame);
            long oGt = arena.put(gtBoxes);
            long oParts = arena.reserve(16L * b);
            run(0, oParts, () -> cuda.launch(groundingReward, ceilDiv(b, THREADS), THREADS, b, arena.at(oBoxes), arena.at(oFrame),
                    arena.at(oFrames), arena.at(oGtFrame), arena.at(oGt), cfg.frameTolerance(), arena.at(oParts)));
            parts = arena.readDoubles(oParts, 2 * b);
        }
        List<Reward> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            out.add(task.combine(format[i], parts[2 * i], parts[2 * i + 1], GroundingTask.reason(parsed.get(i), (GroundingTask.Truth) truths[i])));
        }
        return out;
    }

    private List<Reward> scoreNumeric(List<String> completions, List<JsonNode> gts) {
        NumericTask task = new NumericTask(cfg);
        Object[] truths = cpu.parseTruths(task, gts);
        var parsed = cpu.map(completions.size(), i -> NumericTask.parse(completions.get(i)));
        int b = parsed.size();
        double[] pred = new double[b], gt = new double[b], format = new double[b];
        int[] valid = new int[b];
        for (int i = 0; i < b; i++) {
            Double v = parsed.get(i).value();
            valid[i] = v == null ? 0 : 1;
            pred[i] = v == null ? 0 : v;
            gt[i] = (Double) truths[i];
            format[i] = parsed.get(i).format();
        }
        double[] thresholds = cfg.mraThresholds().stream().mapToDouble(Double::doubleValue).toArray();
        double[] mra;
        synchronized (this) {
            cuda.makeCurrent();
            resetArena();
            long oPred = arena.put(pred), oValid = arena.put(valid), oGt = arena.put(gt), oTh = arena.put(thresholds);
            long oMra = arena.reserve(8L * b);
            run(0, oMra, () -> cuda.launch(numericReward, ceilDiv(b, THREADS), THREADS, b, arena.at(oPred), arena.at(oValid),
                    arena.at(oGt), arena.at(oTh), thresholds.length, arena.at(oMra)));
            mra = arena.readDoubles(oMra, b);
        }
        List<Reward> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) out.add(task.combine(format[i], mra[i], parsed.get(i).reason()));
        return out;
    }

    // ---- GRPO ------------------------------------------------------------------------------------

    @Override
    public synchronized double[] advantages(double[] rewards, int groupSize, AdvantageOptions options) {
        Advantages.validate(rewards, groupSize);
        cuda.makeCurrent();
        resetArena();
        long oRewards = arena.put(rewards);
        long oAdv = arena.reserve(8L * rewards.length), oStats = arena.reserve(BATCH_STATS_BYTES);
        run(0, oAdv, () -> launchAdvantages(arena.at(oRewards), arena.at(oAdv), arena.at(oStats), rewards.length, groupSize, options));
        double[] adv = arena.readDoubles(oAdv, rewards.length);
        Advantages.checkFinite(adv);
        return adv;
    }

    /**
     * Group-relative advantages between two device buffers of {@code n} doubles (for example LibTorch
     * float64 CUDA tensors), without a host copy. Inputs are not checked for NaN: they never leave the GPU.
     */
    public synchronized void advantagesOnDevice(long rewardsAddress, long advantagesAddress, int n, int groupSize, AdvantageOptions options) {
        Advantages.checkGroups(n, groupSize);
        cuda.makeCurrent();
        resetArena();
        long oStats = arena.reserve(BATCH_STATS_BYTES);
        run(0, arena.used(), () -> launchAdvantages(new RawDevicePointer(rewardsAddress), new RawDevicePointer(advantagesAddress),
                arena.at(oStats), n, groupSize, options));
    }

    /** batch_moments' output: mean, std and scale. */
    private static final long BATCH_STATS_BYTES = 3 * 8;

    private void launchAdvantages(Pointer rewards, Pointer adv, Pointer stats, int n, int groupSize, AdvantageOptions options) {
        int scaling = switch (options.scaling()) {
            case GROUP_STD -> 0;
            case BATCH_STD -> 1;
            case NONE -> 2;
        };
        if (scaling == 1) cuda.launch(batchMoments, 1, 1024, n, rewards, stats);
        cuda.launch(groupAdvantages, ceilDiv(32L * (n / groupSize), THREADS), THREADS, n, groupSize, rewards, scaling, options.eps(), stats, adv);
    }

    /** {@link LossStats#compute} on the GPU from host arrays. */
    public synchronized LossStats lossStats(float[] logp, float[] logpOld, float[] logpRef, float[] mask, double[] advantages,
                                            int B, int T, double clipLow, double clipHigh) {
        LossStats.checkShapes(logp, logpOld, logpRef, mask, advantages, B, T);
        cuda.makeCurrent();
        resetArena();
        long a = arena.put(logp), b = arena.put(logpOld), c = arena.put(logpRef), d = arena.put(mask), e = arena.put(advantages);
        long oSums = arena.reserve(40);
        return runLossStats(arena.at(a), arena.at(b), arena.at(c), arena.at(d), arena.at(e), oSums, B, T, clipLow, clipHigh);
    }

    /** {@link LossStats#compute} over device buffers: float32 {@code [B, T]} log-probs and mask, float64 advantages. */
    public synchronized LossStats lossStatsOnDevice(long logp, long logpOld, long logpRef, long mask, long advantages,
                                                    int B, int T, double clipLow, double clipHigh) {
        cuda.makeCurrent();
        resetArena();
        long oSums = arena.reserve(40);
        return runLossStats(new RawDevicePointer(logp), new RawDevicePointer(logpOld), new RawDevicePointer(logpRef),
                new RawDevicePointer(mask), new RawDevicePointer(advantages), oSums, B, T, clipLow, clipHigh);
    }

    private LossStats runLossStats(Pointer logp, Pointer logpOld, Pointer logpRef, Pointer mask, Pointer adv, long oSums,
                                   int B, int T, double clipLow, double clipHigh) {
        long blocks = Math.min(gridFor((long) B * T, THREADS), 4L * cuda.multiprocessors());
        run(0, oSums, () -> {
            cuMemsetD8Async(arena.at(oSums), (byte) 0, 40, cuda.stream());
            cuda.launch(lossStats, blocks, THREADS, B, T, logp, logpOld, logpRef, mask, adv, clipLow, clipHigh, arena.at(oSums));
        });
        return LossStats.fromSums(arena.readDoubles(oSums, 5));
    }

    // ---- plumbing --------------------------------------------------------------------------------

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Blocks for a grid-stride kernel over {@code n} items. */
    private long gridFor(long n, int threads) {
        return Math.min(ceilDiv(n, threads), 64L * cuda.multiprocessors());
    }

    /**
     * Every call's one sequence: uploads the arena's mirrored bytes from {@code uploadFrom} to
     * {@code outputsFrom} (the packed inputs), runs the launches between the timing events, copies the arena
     * from {@code outputsFrom} to its end (the outputs, reserved last) back to the host, waits for the stream
     * and reads the kernel time.
     */
    private void run(long uploadFrom, long outputsFrom, Runnable launches) {
        arena.upload(uploadFrom, outputsFrom);
        cuEventRecord(start, cuda.stream());
        launches.run();
        cuEventRecord(stop, cuda.stream());
        arena.download(outputsFrom, arena.used());
        cuda.synchronize();
        float[] ms = {0};
        cuEventElapsedTime(ms, start, stop);
        lastKernelMillis = ms[0];
    }

    /** GPU time of the last call's kernels (CUDA events around the launches, copies excluded), in ms. */
    public synchronized float lastKernelMillis() {
        return lastKernelMillis;
    }

    @Override
    public String describe() {
        return "cuda: " + cuda.deviceName() + " (" + cuda.multiprocessors() + " SMs)";
    }

    @Override
    public RewardConfig config() {
        return cfg;
    }

    @Override
    public synchronized void close() {
        cuda.makeCurrent();
        arena.close();
        cuEventDestroy(start);
        cuEventDestroy(stop);
        cuda.close();
        cpu.close();
    }
}
