package rft3d.model;

import static org.bytedeco.pytorch.global.torch.kFloat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.ArchiveWriter;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Tensor;

/**
 * Hugging Face-style checkpoints: {@code model.safetensors} (float32 tensors by name),
 * {@code config.json} (the {@link ModelConfig}), and for resuming {@code optimizer.pt} (LibTorch's
 * archive of the optimizer state) and {@code trainer_state.json}. Saves go through {@link DurableDirectory}:
 * a crash or a full disk at any moment leaves the previous or the new checkpoint, complete.
 */
public final class Checkpoint {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Checkpoint() {}

    /**
     * Saves a model, optionally with its optimizer and a trainer state.
     *
     * @throws IOException when the directory cannot be written
     */
    public static void save(Path dir, VideoLM model, Optimizer optimizer, JsonNode trainerState) throws IOException {
        DurableDirectory.replace(dir, tmp -> {
            writeSafetensors(tmp.resolve("model.safetensors"), model.namedParameters());
            MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("config.json").toFile(), MAPPER.valueToTree(model.config()));
            if (optimizer != null) writeOptimizer(tmp.resolve("optimizer.pt"), optimizer);
            if (trainerState != null) MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("trainer_state.json").toFile(), trainerState);
        });
    }

    /**
     * LibTorch's optimizer archive, its bytes passed through Java: LibTorch's own file writer aborts the
     * JVM when the disk is full, a Java stream reports it as an IOException.
     */
    static void writeOptimizer(Path file, Optimizer optimizer) throws IOException {
        OutputArchive archive = new OutputArchive();
        optimizer.save(archive);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ArchiveWriter collect = new ArchiveWriter() {
            @Override
            public long call(Pointer data, long size) {
                byte[] b = new byte[Math.toIntExact(size)];
                new BytePointer(data).get(b);
                bytes.write(b, 0, b.length);
                return size;
            }
        };
        archive.save_to(collect);
        try (OutputStream out = Files.newOutputStream(file)) {
            bytes.writeTo(out);
        }
    }

    /** The model configuration of a checkpoint. */
    public static ModelConfig config(Path dir) throws IOException {
        Path f = dir.resolve("config.json");
        if (!Files.isRegularFile(f)) throw new IOException("not a checkpoint (no config.json): " + dir);
        return MAPPER.readValue(f.toFile(), ModelConfig.class);
    }

    /** Loads a checkpoint's weights into a new model on the CPU. */
    public static VideoLM load(Path dir) throws IOException {
        return load(dir, new org.bytedeco.pytorch.Device("cpu"));
    }

    /** Loads a checkpoint's weights into a new model on a device. */
    public static VideoLM load(Path dir, org.bytedeco.pytorch.Device device) throws IOException {
        VideoLM model = new VideoLM(config(dir), device);
        Map<String, Tensor> tensors = readSafetensors(dir.resolve("model.safetensors"));
        try (NoGradGuard g = new NoGradGuard()) {
            for (var e : model.namedParameters().entrySet()) {
                Tensor t = tensors.get(e.getKey());
                if (t == null) throw new IOException(dir + ": missing tensor " + e.getKey());
                if (t.numel() != e.getValue().numel()) throw new IOException(dir + ": tensor " + e.getKey() + " has the wrong size");
                e.getValue().copy_(t.reshape(e.getValue().sizes().vec().get()).to(device, kFloat()));
            }
        }
        return model;
    }

    /**
     * Copies weights from a safetensors file (float32) into some of a model's parameters, by name mapping:
     * a source tensor whose name starts with a key of {@code rename} is loaded into the parameter named by
     * that key's value followed by the rest of the name (the longest matching key wins); other source tensors
     * are ignored. How a pretrained encoder, or one trained in another run, initialises {@link VisionEncoder}'s
     * parameters: e.g. {@code {"vision.proj.": "patch."}}. Returns the parameters loaded, in name order.
     *
     * @throws IOException when the file is unreadable, a mapped tensor names no parameter or has another
     *     shape, or nothing was loaded; the model is then unchanged
     */
    public static List<String> loadWeights(VideoLM model, Path safetensors, Map<String, String> rename) throws IOException {
        Map<String, Tensor> source = readSafetensors(safetensors), matched = new TreeMap<>();
        for (var e : source.entrySet()) {
            String from = null;
            for (String k : rename.keySet()) if (e.getKey().startsWith(k) && (from == null || k.length() > from.length())) from = k;
            if (from == null) continue;
            String target = rename.get(from) + e.getKey().substring(from.length());
            Tensor p = model.namedParameters().get(target);
            if (p == null) throw new IOException(safetensors + ": " + e.getKey() + " maps to " + target + ", which the model does not have");
            long[] want = p.sizes().vec().get(), got = e.getValue().sizes().vec().get();
            if (!java.util.Arrays.equals(want, got)) {
                throw new IOException(safetensors + ": " + e.getKey() + " has shape " + java.util.Arrays.toString(got) + " but "
                        + target + " needs " + java.util.Arrays.toString(want));
            }
            matched.put(target, e.getValue());
        }
        // Checked first, copied after: a bad file leaves the model as it was.
        try (NoGradGuard g = new NoGradGuard()) {
            matched.forEach((target, t) -> model.namedParameters().get(target).copy_(t.to(model.device(), kFloat())));
        }
        List<String> loaded = new ArrayList<>(matched.keySet());
        if (loaded.isEmpty()) throw new IOException(safetensors + ": no tensor matches the mapping " + rename.keySet());
        return loaded;
    }

    /** Restores an optimizer's state saved with the checkpoint, if any. */
    public static boolean loadOptimizer(Path dir, Optimizer optimizer) {
        Path f = dir.resolve("optimizer.pt");
        if (!Files.isRegularFile(f)) return false;
        InputArchive archive = new InputArchive();
        archive.load_from(f.toString());
        optimizer.load(archive);
        return true;
    }

    /** The trainer state saved with a checkpoint, or null. */
    public static JsonNode trainerState(Path dir) throws IOException {
        Path f = dir.resolve("trainer_state.json");
        return Files.isRegularFile(f) ? MAPPER.readTree(f.toFile()) : null;
    }

    static void writeSafetensors(Path file, Map<String, Tensor> params) throws IOException {
        ObjectNode header = MAPPER.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        Map<String, float[]> data = new TreeMap<>();
        long offset = 0;
        for (var e : new TreeMap<>(params).entrySet()) {
            Tensor t = e.getValue().detach().cpu().to(kFloat()).contiguous(); // host memory, whatever the device
            float[] v = new float[(int) t.numel()];
            FloatPointer fp = t.data_ptr_float();
            fp.get(v);
            data.put(e.getKey(), v);
            ObjectNode h = header.putObject(e.getKey()).put("dtype", "F32");
            var shape = h.putArray("shape");
            for (long s : t.sizes().vec().get()) shape.add(s);
            h.putArray("data_offsets").add(offset).add(offset + 4L * v.length);
            offset += 4L * v.length;
        }
        byte[] json = MAPPER.writeValueAsBytes(header);
        int pad = (8 - json.length % 8) % 8;
        byte[] padded = new byte[json.length + pad];
        System.arraycopy(json, 0, padded, 0, json.length);
        for (int i = json.length; i < padded.length; i++) padded[i] = ' ';
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length).array());
            out.write(padded);
            for (float[] v : data.values()) {
                ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                out.write(b.array());
            }
        }
    }

    static Map<String, Tensor> readSafetensors(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("missing " + file);
        byte[] all = Files.readAllBytes(file);
        if (all.length < 8) throw new IOException(file + ": truncated");
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 2 || 8 + n > all.length) throw new IOException(file + ": bad header length " + n);
        JsonNode header = MAPPER.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
        Map<String, Tensor> out = new TreeMap<>();
        var names = header.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (name.equals("__metadata__")) continue;
            JsonNode h = header.get(name);
            if (!"F32".equals(h.path("dtype").asText())) throw new IOException(file + ": " + name + " is not F32");
            long begin = h.get("data_offsets").get(0).asLong(), end = h.get("data_offsets").get(1).asLong();
            if (begin < 0 || end < begin || 8 + n + end > all.length) throw new IOException(file + ": " + name + " out of bounds");
            float[] v = new float[(int) ((end - begin) / 4)];
            ByteBuffer.wrap(all, (int) (8 + n + begin), (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            long[] shape = new long[h.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = h.get("shape").get(i).asLong();
            out.put(name, Tensor.create(v, shape));
        }
        return out;
    }

}
