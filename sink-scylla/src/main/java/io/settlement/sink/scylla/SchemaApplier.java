package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Creates the sink's keyspace and tables from {@code schema/settlement.cql} (shipped in this jar),
 * filled in with the endpoint's keyspace and replication. Every statement is {@code IF NOT EXISTS},
 * so applying it again, from the sink at start or from the command line, changes nothing.
 *
 * <p>Command line: {@code java -cp ... io.settlement.sink.scylla.SchemaApplier
 * scylla.contact.points=host:9042 [scylla.keyspace=settlement] [scylla.replication={...}] [--print]};
 * {@code --print} writes the filled-in CQL to standard output (for cqlsh) instead of applying it.
 */
public final class SchemaApplier {
    static final String RESOURCE = "/schema/settlement.cql";

    private SchemaApplier() {}

    /** The schema's statements for this keyspace and replication, in order, without comments. */
    public static List<String> statements(String keyspace, String replication) {
        String text = resource().replace("${keyspace}", keyspace).replace("${replication}", replication);
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String code = line.strip();
            if (code.isEmpty() || code.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (code.endsWith(";")) {
                String statement = current.toString().strip();
                statements.add(statement.substring(0, statement.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            throw new IllegalStateException(RESOURCE + " ends with an unterminated statement: " + current);
        }
        return statements;
    }

    /** Applies every statement; a statement that fails stops the rest (and throws). */
    public static void apply(CqlSession session, ScyllaEndpoint endpoint) {
        for (String statement : statements(endpoint.keyspace(), endpoint.replication())) {
            session.execute(SimpleStatement.newInstance(statement).setTimeout(ScyllaEndpoint.SCHEMA_CHANGE_TIMEOUT));
        }
    }

    public static void main(String[] args) {
        Map<String, String> settings = new LinkedHashMap<>();
        boolean print = false;
        for (String arg : args) {
            if (arg.equals("--print")) {
                print = true;
            } else if (arg.contains("=")) {
                settings.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            } else {
                throw new IllegalArgumentException("expected key=value or --print, got " + arg);
            }
        }
        if (print) {
            statements(keyspace(settings), replication(settings)).forEach(statement -> System.out.println(statement + ";\n"));
            return;
        }
        ScyllaEndpoint endpoint = ScyllaConfig.endpoint(settings)
                .orElseThrow(() -> new IllegalArgumentException(ScyllaConfig.CONTACT_POINTS + "=host:port is required"));
        try (CqlSession session = endpoint.openSession()) {
            apply(session, endpoint);
        }
        System.out.println("schema applied to keyspace " + endpoint.keyspace());
    }

    /** The keyspace the {@code scylla.*} settings name ({@value ScyllaConfig#KEYSPACE} or its default). */
    public static String keyspace(Map<String, ?> settings) {
        return new org.apache.kafka.common.config.AbstractConfig(ScyllaConfig.CONFIG_DEF, settings, false).getString(ScyllaConfig.KEYSPACE);
    }

    /** The replication map the {@code scylla.*} settings name ({@value ScyllaConfig#REPLICATION} or its default). */
    public static String replication(Map<String, ?> settings) {
        return new org.apache.kafka.common.config.AbstractConfig(ScyllaConfig.CONFIG_DEF, settings, false).getString(ScyllaConfig.REPLICATION);
    }

    private static String resource() {
        try (InputStream in = SchemaApplier.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
