package rft3d.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rft3d.data.RandomDetections;
import rft3d.geometry.Box3D;
import rft3d.parse.DetectionScanner;
import rft3d.parse.Envelope;
import rft3d.parse.Mutations;

/**
 * The device's reading of detection answers (cuda-kernels/answer_scan.cuh), built for the host with a C++
 * compiler, against {@link DetectionScanner}: on every completion it reads rather than declines, the same
 * objects, labels, the same doubles bit for bit, the same count alone on their line and the same envelope
 * verdict; and it reads every answer the model writes. Needs no GPU; skipped, saying so, without a C++
 * compiler.
 */
class AnswerScanTest {
    @TempDir
    Path dir;

    static final List<String> LABELS = List.of("chair", "table", "bed", "lamp");
    static final Pattern NUMBER = Pattern.compile("-?[0-9][0-9.eE+-]*"), INTEGER = Pattern.compile("-?[0-9]+"),
            DECIMAL = Pattern.compile("-?0*([0-9]*)\\.?([0-9]*)([eE][+-]?[0-9]+)?");

    /**
     * Whether the device must convert every number of the text itself: integers of up to 18 characters, and
     * decimals of up to 19 significant digits whose value is zero or a normal double.
     */
    static boolean deviceNumbers(String text) {
        return NUMBER.matcher(text).results().allMatch(m -> {
            String n = m.group();
            if (INTEGER.matcher(n).matches()) return n.length() <= 18;
            var d = DECIMAL.matcher(n);
            if (!d.matches()) return true; // no number: the scan fails anyway
            String digits = (d.group(1) + d.group(2)).replaceFirst("^0+", "").replaceFirst("0+$", "");
            double v = Double.parseDouble(n);
            return (d.group(1) + d.group(2)).replaceFirst("^0+", "").length() <= 19
                    && (digits.isEmpty() || Math.abs(v) >= Double.MIN_NORMAL && Double.isFinite(v));
        });
    }

    @Test
    void theDeviceScanReadsWhatTheJavaScannerReadsOrDeclines() throws Exception {
        Path check = build();
        SplittableRandom rnd = new SplittableRandom(5);
        var batch = RandomDetections.generate(60, 8, 3, RandomDetections.Rotation.GENERAL, 9);
        List<String> model = new ArrayList<>(), corpus = new ArrayList<>();
        for (var preds : batch.predictions()) model.add(RandomDetections.gridCompletion(preds));
        corpus.addAll(model);
        String alphabet = "[]{},:\" \n\t-.0123456789eE+labox_3dchair<>/answerthink'\\\r\u00e9\u3000";
        for (var preds : batch.predictions()) {
            String base = rnd.nextBoolean() ? RandomDetections.gridCompletion(preds) : RandomDetections.completion(preds);
            corpus.add(base);
            for (int m = 0; m < 150; m++) {
                corpus.add(Mutations.mutate(base, alphabet, 3, rnd));
            }
        }
        String box = "{\"label\": \"chair\", \"bbox_3d\": [%s, 0, 0.5, 1, 1, 1]}";
        for (String n : new String[] {"-0", "0", "-0.0", "1e5", "1E+2", "0.1e-3", "123456789012345678", "1234567890123456789",
                "0.30000000000000004", "9007199254740993", "9007199254740993.0", "1e22", "1e23", "1.5e-22", "4.9e-324", "2.5",
                "2.2250738585072014E-308", "1.7976931348623157E308", "1.8e308", "9999999999999999999.0", "1.0000000000000000000",
                "0.0000000000000000000000000000001234567890123456789", "7.2057594037927933e16", "1e-342", "1e-343", "1e308"}) {
            corpus.add("<think>n</think><answer>[\n" + String.format(box, n) + "\n]</answer>");
        }
        // Full-precision numbers: doubles as Java prints them, and 17 to 19 significant digits at every scale.
        for (int r = 0; r < 2000; r++) {
            String[] n = new String[3];
            for (int k = 0; k < 3; k++) {
                n[k] = switch (rnd.nextInt(3)) {
                    case 0 -> String.valueOf(rnd.nextDouble(-10, 10));
                    case 1 -> String.valueOf(Double.longBitsToDouble(rnd.nextLong(1L << 52, 0x7FEFFFFFFFFFFFFFL)));
                    default -> (rnd.nextBoolean() ? "-" : "") + (1 + rnd.nextInt(9)) + "." + String.valueOf(rnd.nextLong(1_000_000_000_000_000_000L, Long.MAX_VALUE))
                            .substring(0, 16 + rnd.nextInt(3)) + "e" + rnd.nextInt(-320, 300);
                };
            }
            corpus.add("<think>n</think><answer>[\n" + String.format("{\"label\": \"bed\", \"bbox_3d\": [%s, %s, %s, 1, 1, 1]}", (Object[]) n) + "\n]</answer>");
        }
        for (String env : new String[] {" <think>a</think>\n <answer>[]</answer> ", "<think>a</think><answer>[]</answer><answer>[]</answer>",
                "<think>a</think>x<answer>[]</answer>", "[]", "<answer>[]", "<think></think><answer> [ ] </answer>\u000b",
                "<think>a<think></think><answer>[]</answer>", "<think>a</think><answer>[\n{\"label\": \" table\t\", \"bbox_3d\": [1, 2, 3, 4, 5, 6, 7]}\n]</answer>"}) {
            corpus.add(env);
        }

        List<String> out = run(check, corpus);
        int read = 0, simple = 0;
        for (int i = 0; i < corpus.size(); i++) {
            String text = corpus.get(i);
            String[] f = out.get(i).split(" ");
            Envelope env = Envelope.of(text);
            DetectionScanner.Scan scan = DetectionScanner.scan(env.answer());
            if (i < model.size()) assertEquals("1", f[0], "the model's own answer declined: " + text);
            assertTrue(f[0].equals("0") || f[0].equals("1"), "read in one piece and in several, differently: " + text);
            if (scan != null && text.chars().allMatch(ch -> ch < 0x80) && deviceNumbers(env.answer())) {
                simple++;
                assertEquals("1", f[0], "an answer with numbers the device converts declined: " + text);
            }
            if (f[0].equals("0")) continue;
            read++;
            assertNotNull(scan, "read on the device, declined by the Java scanner: " + text);
            assertEquals(scan.labels().size(), Integer.parseInt(f[1]), text);
            assertEquals(scan.onOwnLine(), Integer.parseInt(f[2]), text);
            assertEquals(env.wellFormed() ? 1 : 0, Integer.parseInt(f[3]), text);
            for (int k = 0; k < scan.labels().size(); k++) {
                assertEquals(LABELS.indexOf(scan.labels().get(k)), Integer.parseInt(f[4 + 10 * k]), text);
                double[] expected = Box3D.of(scan.boxes().get(k)).toArray();
                for (int j = 0; j < 9; j++) {
                    assertEquals(Double.doubleToRawLongBits(expected[j]), Long.parseUnsignedLong(f[5 + 10 * k + j], 16), "number " + j + " of " + text);
                }
            }
        }
        assertTrue(simple > 2500 && read >= simple, read + " read on the device, " + simple + " with numbers the device converts");
    }

    /** The host build of the device scan, or a skip (printed) without a C++ compiler. */
    private Path build() throws IOException, InterruptedException {
        String compiler = null;
        for (String c : new String[] {"c++", "g++", "clang++"}) {
            if (onPath(c)) {
                compiler = c;
                break;
            }
        }
        if (compiler == null) System.out.println("[rft3d] answer_scan.cuh host check skipped: no C++ compiler on PATH");
        assumeTrue(compiler != null, "no C++ compiler on PATH");
        Path exe = dir.resolve("answer_scan_check");
        Process p = new ProcessBuilder(compiler, "-std=c++17", "-O1", "-I", "cuda-kernels", "cuda-kernels/answer_scan_check.cpp", "-o", exe.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "compiling answer_scan_check.cpp failed:\n" + log);
        return exe;
    }

    private static boolean onPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, command))) return true;
        }
        return false;
    }

    private List<String> run(Path exe, List<String> corpus) throws IOException, InterruptedException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        long[] pow5 = PowersOfFive.table();
        writeInt(in, pow5.length);
        ByteBuffer words = ByteBuffer.allocate(8 * pow5.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : pow5) words.putLong(w);
        in.writeBytes(words.array());
        writeInt(in, LABELS.size());
        for (String l : LABELS) writeBytes(in, l.getBytes(StandardCharsets.UTF_8));
        writeInt(in, corpus.size());
        for (String c : corpus) writeBytes(in, c.getBytes(StandardCharsets.UTF_8));
        Path input = dir.resolve("corpus.bin");
        Files.write(input, in.toByteArray());
        Process p = new ProcessBuilder(exe.toString()).redirectInput(input.toFile()).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "answer_scan_check failed");
        assertEquals(corpus.size(), lines.size());
        return lines;
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void writeBytes(ByteArrayOutputStream out, byte[] b) {
        writeInt(out, b.length);
        out.writeBytes(b);
    }
}
