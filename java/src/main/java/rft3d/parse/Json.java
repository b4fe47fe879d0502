package rft3d.parse;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The JSON settings of the reward paths (command line, service), in one place. */
public final class Json {
    private Json() {}

    /**
     * A mapper builder that reads and writes doubles with Jackson's fast algorithms: correctly rounded on
     * reading, like {@code Double.parseDouble}, and the shortest digits that read back to the same double
     * on writing. The JDK's own parser takes a big-integer path for most 17-digit numbers, which made it the
     * largest cost of a service request.
     */
    public static JsonMapper.Builder builder() {
        return JsonMapper.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER);
    }
}
