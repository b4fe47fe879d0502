package rft3d.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rft3d.geometry.Box3D;
import rft3d.geometry.Iou3D;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;
import rft3d.reward.Tasks;

class DatasetTest {
    @TempDir
    Path dir;

    @Test
    void theSameSeedGivesTheSameSceneAndObjectsDoNotOverlap() {
        SceneGenerator gen = new SceneGenerator(4, 32);
        for (long seed = 0; seed < 50; seed++) {
            Scene a = gen.generate("s", seed), b = gen.generate("s", seed);
            assertEquals(a.objects().size(), b.objects().size());
            for (int i = 0; i < a.objects().size(); i++) {
                assertArrayEquals(a.objects().get(i).box().toArray(), b.objects().get(i).box().toArray());
                for (int j = i + 1; j < a.objects().size(); j++) {
                    assertEquals(0.0, Iou3D.intersectionVolume(a.objects().get(i).box(), a.objects().get(j).box()));
                }
            }
            assertArrayEquals(a.poses().get(3).toRowMajor(), b.poses().get(3).toRowMajor());
        }
    }

    @Test
    void aPixelOnAnObjectShowsItsColourAtItsDepth() {
        Scene scene = new SceneGenerator(2, 64).generate("s", 3);
        Scene.SceneObject o = scene.objects().get(0);
        // Project the top face's centre into frame 0 and look there.
        Box3D b = o.box();
        double[] c = scene.poses().get(0).inverse().applyToPoint(b.x(), b.y(), b.z() + b.sz() / 2 - 0.01);
        Scene.Camera cam = scene.camera();
        int u = (int) (cam.fx() * c[0] / c[2] + cam.cx()), v = (int) (cam.fy() * c[1] / c[2] + cam.cy());
        assertTrue(c[2] > 0 && u >= 0 && v >= 0 && u < 64 && v < 64, "object in view");
        Renderer.Frame f = Renderer.render(scene, 0);
        boolean nearby = false;
        for (int dv = -1; dv <= 1; dv++) {
            for (int du = -1; du <= 1; du++) {
                int x = Math.max(0, Math.min(63, u + du)), y = Math.max(0, Math.min(63, v + dv));
                double ratio = f.rgb()[0][y][x] / (o.color()[0] + 1e-9);
                boolean colour = Math.abs(f.rgb()[1][y][x] - o.color()[1] * ratio) < 0.02;
                if (colour && Math.abs(f.depth()[y][x] - c[2]) < 0.3) nearby = true;
            }
        }
        assertTrue(nearby, "the object's colour and depth at its projection");
    }

    @Test
    void writtenDatasetReadsBackAndItsReferenceAnswersEarnNearlyFullReward() throws Exception {
        DatasetWriter.write(dir, 6, 2, 3, 16, 5, 2);
        DatasetReader reader = new DatasetReader(dir);
        List<Sample> train = reader.samples("train");
        assertEquals(6 * 6, train.size()); // detection, grounding, count, distance, size, direction
        assertTrue(Files.isRegularFile(dir.resolve("eval_detection_gt.jsonl")));
        for (Sample s : train) {
            Video v = reader.video(s.scene());
            assertEquals(3, v.frames());
            assertEquals(16, v.rgb()[0][0].length);
            Reward r = Tasks.create(s.task(), RewardConfig.defaults()).scoreJson(s.answer(), s.gt());
            assertEquals(1.0, r.part(Reward.FORMAT), s.answer());
            // Answers are written on a 5 cm / 0.05 rad grid, so IoUs are a little below 1.
            double floor = switch (s.task()) {
                case "detection" -> 2.6;
                case "grounding" -> 2.6;
                default -> 2.0;
            };
            assertTrue(r.total() >= floor, s.task() + " reference answer scored " + r + ": " + s.answer());
        }
    }

    @Test
    void theFilesDoNotDependOnTheNumberOfThreads() throws Exception {
        Path one = dir.resolve("one"), four = dir.resolve("four");
        DatasetWriter.write(one, 9, 3, 2, 16, 7, 1);
        DatasetWriter.write(four, 9, 3, 2, 16, 7, 4);
        for (String f : List.of("train.jsonl", "eval.jsonl", "eval_detection_gt.jsonl", "scenes/train00008/frame_01.png",
                "scenes/eval00002/meta.json")) {
            assertArrayEquals(Files.readAllBytes(one.resolve(f)), Files.readAllBytes(four.resolve(f)), f);
        }
    }

    @Test
    void missingFilesAreReportedByName() throws Exception {
        DatasetWriter.write(dir, 1, 1, 2, 16, 1, 1);
        Files.delete(dir.resolve("scenes/train00000/frame_01.png"));
        var e = assertThrows(IOException.class, () -> new DatasetReader(dir).video("train00000"));
        assertTrue(e.getMessage().contains("frame_01.png"), e.getMessage());
        assertThrows(IOException.class, () -> new DatasetReader(dir.resolve("nope")));
    }
}
