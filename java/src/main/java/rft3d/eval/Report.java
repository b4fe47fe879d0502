package rft3d.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints an evaluation report (nested maps) as indented text or as one JSON object. */
public final class Report {
    private Report() {}

    /** The report as a single-line JSON object. */
    public static String toJson(Map<String, Object> report) {
        try {
            return Jsonl.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The report as indented "key: value" lines, numbers with 4 decimals. */
    public static String toText(Map<String, Object> report) {
        StringBuilder sb = new StringBuilder();
        append(sb, report, "");
        return sb.toString();
    }

    private static void append(StringBuilder sb, Map<?, ?> map, String indent) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> m && isTable(m)) {
                sb.append(indent).append(e.getKey()).append(":\n");
                table(sb, m, indent + "  ");
            } else if (v instanceof Map<?, ?> m) {
                sb.append(indent).append(e.getKey()).append(":\n");
                append(sb, m, indent + "  ");
            } else if (v instanceof List<?> l) {
                sb.append(indent).append(e.getKey()).append(": ").append(l.size()).append('\n');
                for (Object item : l.subList(0, Math.min(l.size(), 20))) sb.append(indent).append("  - ").append(item).append('\n');
                if (l.size() > 20) sb.append(indent).append("  … ").append(l.size() - 20).append(" more\n");
            } else {
                sb.append(indent).append(e.getKey()).append(": ").append(cell(v)).append('\n');
            }
        }
    }

    /** A map of rows that all have the same columns (per-class metrics, splits) prints as a table. */
    private static boolean isTable(Map<?, ?> m) {
        if (m.isEmpty()) return false;
        Object first = m.values().iterator().next();
        if (!(first instanceof Map<?, ?> f)) return false;
        for (Object row : m.values()) {
            if (!(row instanceof Map<?, ?> r) || !r.keySet().equals(f.keySet())) return false;
        }
        return true;
    }

    private static void table(StringBuilder sb, Map<?, ?> rows, String indent) {
        Map<?, ?> first = (Map<?, ?>) rows.values().iterator().next();
        int keyWidth = 8;
        for (Object k : rows.keySet()) keyWidth = Math.max(keyWidth, k.toString().length());
        sb.append(indent).append(String.format(Locale.ROOT, "%-" + keyWidth + "s", ""));
        for (Object col : first.keySet()) sb.append(String.format(Locale.ROOT, " %15s", col));
        sb.append('\n');
        for (Map.Entry<?, ?> row : rows.entrySet()) {
            sb.append(indent).append(String.format(Locale.ROOT, "%-" + keyWidth + "s", row.getKey()));
            for (Object v : ((Map<?, ?>) row.getValue()).values()) sb.append(String.format(Locale.ROOT, " %15s", cell(v)));
            sb.append('\n');
        }
    }

    private static String cell(Object v) {
        return v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : String.valueOf(v);
    }
}
