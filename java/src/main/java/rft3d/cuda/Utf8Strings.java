package rft3d.cuda;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Strings as the kernels read them: string i is UTF-8 {@code bytes[off[i] .. off[i + 1])} (a tokenizer's
 * pieces, a batch's GT labels); {@code longest} is the longest in bytes (at least 1).
 */
record Utf8Strings(List<String> strings, int[] off, byte[] bytes, int longest) {
    static Utf8Strings of(List<String> strings) {
        int[] off = new int[strings.size() + 1];
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int longest = 1;
        for (int i = 0; i < strings.size(); i++) {
            byte[] b = strings.get(i).getBytes(StandardCharsets.UTF_8);
            all.writeBytes(b);
            off[i + 1] = off[i] + b.length;
            longest = Math.max(longest, b.length);
        }
        return new Utf8Strings(List.copyOf(strings), off, all.size() == 0 ? new byte[1] : all.toByteArray(), longest);
    }
}
