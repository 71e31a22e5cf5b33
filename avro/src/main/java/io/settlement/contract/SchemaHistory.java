package io.settlement.contract;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Every published version of a top-level record schema, oldest first, from
 * {@code schema-history/<full name>/v1.avsc, v2.avsc, ...} on the classpath. Decoders register
 * them so that records written with an older version still read; a test checks that the newest
 * version equals the generated class's schema and that it can read every older one.
 */
public final class SchemaHistory {
    static final String ROOT = "schema-history/";

    private SchemaHistory() {}

    public static List<Schema> versions(String fullName) {
        List<Schema> versions = new ArrayList<>();
        for (int version = 1; ; version++) {
            String path = ROOT + fullName + "/v" + version + ".avsc";
            try (InputStream in = SchemaHistory.class.getClassLoader().getResourceAsStream(path)) {
                if (in == null) {
                    return versions;
                }
                versions.add(new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path, e);
            }
        }
    }
}
