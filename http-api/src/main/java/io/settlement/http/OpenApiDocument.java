package io.settlement.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The OpenAPI 3 description of this API ({@code openapi.yaml} on the classpath, kept in the
 * repository at {@code http-api/src/main/resources/openapi.yaml}), served as it is at
 * {@value #ROUTE} for client teams and their code generators. A test compares it with the routes
 * the API registers and checks the integration tests' responses against its schemas.
 */
public final class OpenApiDocument {
    public static final String ROUTE = "/openapi.yaml";
    public static final String RESOURCE = "/openapi.yaml";
    public static final String CONTENT_TYPE = "application/yaml; charset=utf-8";

    private static final String YAML = load();

    private OpenApiDocument() {}

    public static String yaml() {
        return YAML;
    }

    private static String load() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
