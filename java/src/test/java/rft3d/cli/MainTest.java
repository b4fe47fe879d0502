package rft3d.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    @Test
    void helpListsEveryCommand() {
        String help = Main.help();
        for (Command c : Main.COMMANDS) assertTrue(help.contains(c.name()), c.name());
        assertEquals(0, Main.run(new String[] {"--help"}));
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, Main.run(new String[] {"nope"}));
        assertEquals(2, Main.run(new String[] {"eval", "--task", "detection"}));
        assertEquals(2, Main.run(new String[] {"eval", "--task", "detection", "--pred", "missing.jsonl", "--gt", "x"}));
        assertEquals(2, Main.run(new String[] {"eval", "--task", "vsi", "--pred", "examples/vsi/pred.jsonl",
            "--gt", "examples/vsi/gt.jsonl", "--typo", "1"}));
    }

    @Test
    void rewardWritesOneLinePerInputLineInInputOrderIncludingErrors() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.write(in, List.of(
                "{\"completion\": \"<think>.</think><answer>B</answer>\", \"gt\": {\"answer\": \"B\"}}",
                "{\"completion\": 5, \"gt\": {\"answer\": \"B\"}}",
                "{\"completion\": \"A\", \"gt\": {}}",
                "garbage",
                "{\"completion\": \"C\", \"gt\": {\"answer\": \"B\"}}"));
        Path out = dir.resolve("out.jsonl");
        int code = Main.run(new String[] {"reward", "--task", "mc", "--input", in.toString(), "--output", out.toString(), "--engine", "cpu"});
        assertEquals(1, code); // some lines were bad
        List<String> lines = Files.readAllLines(out);
        assertEquals(5, lines.size());
        assertTrue(lines.get(0).startsWith("{\"reward\":2.0"), lines.get(0));
        assertTrue(lines.get(1).contains("\"error\":\"completion"), lines.get(1));
        assertTrue(lines.get(2).contains("gt.answer"), lines.get(2));
        assertTrue(lines.get(3).contains("\"line\":4") && lines.get(3).contains("not JSON"), lines.get(3));
        assertTrue(lines.get(4).startsWith("{\"reward\":0.0"), lines.get(4));
    }

    @Test
    void bundledRewardExamplesScoreWithoutErrors() {
        for (String task : new String[] {"detection", "grounding", "mc", "numeric"}) {
            Path out = dir.resolve(task + ".out");
            assertEquals(0, Main.run(new String[] {"reward", "--task", task, "--input", "examples/reward/" + task + ".jsonl",
                "--output", out.toString()}), task);
        }
    }

    @Test
    void rewardRefusesAnOutputThatIsItsInputByPathOrByLink() throws Exception {
        Path in = dir.resolve("in.jsonl");
        String line = "{\"completion\": \"<think>.</think><answer>B</answer>\", \"gt\": {\"answer\": \"B\"}}\n";
        Files.writeString(in, line);
        Path link = dir.resolve("link.jsonl");
        Files.createLink(link, in);
        for (String output : new String[] {in.toString(), dir.resolve(".").resolve("in.jsonl").toString(), link.toString()}) {
            assertEquals(2, Main.run(new String[] {"reward", "--task", "mc", "--input", in.toString(), "--output", output, "--engine", "cpu"}), output);
            assertEquals(line, Files.readString(in), "input intact after --output " + output);
        }
    }

    @Test
    void blankAndInvalidUtf8LinesGetAnErrorInPlaceAndTheOthersAreScored() throws Exception {
        Path in = dir.resolve("in.jsonl");
        String good = "{\"completion\": \"<think>.</think><answer>B</answer>\", \"gt\": {\"answer\": \"B\"}}\n";
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        bytes.writeBytes(good.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        bytes.writeBytes("\n   \n".getBytes(java.nio.charset.StandardCharsets.UTF_8));                 // lines 2, 3: blank
        bytes.writeBytes("{\"completion\": \"\u00e9 \u0000".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        bytes.write(0xff);                                                                             // line 4: bad byte
        bytes.writeBytes("\", \"gt\": {\"answer\": \"B\"}}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        bytes.writeBytes(good.strip().getBytes(java.nio.charset.StandardCharsets.UTF_8));                // line 5, no final newline
        Files.write(in, bytes.toByteArray());
        Path out = dir.resolve("out.jsonl");
        assertEquals(1, Main.run(new String[] {"reward", "--task", "mc", "--input", in.toString(), "--output", out.toString(), "--engine", "cpu"}));
        List<String> lines = Files.readAllLines(out);
        assertEquals(5, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("{\"reward\":2.0"), lines.get(0));
        assertTrue(lines.get(1).contains("\"line\":2") && lines.get(1).contains("blank line"), lines.get(1));
        assertTrue(lines.get(2).contains("\"line\":3") && lines.get(2).contains("blank line"), lines.get(2));
        assertTrue(lines.get(3).contains("\"line\":4") && lines.get(3).contains("not valid UTF-8"), lines.get(3));
        assertTrue(lines.get(4).startsWith("{\"reward\":2.0"), lines.get(4));
    }
}
