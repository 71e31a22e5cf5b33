package io.settlement.app;

import com.datastax.oss.driver.api.core.CqlSession;
import io.settlement.sink.scylla.SchemaApplier;
import io.settlement.sink.scylla.ScyllaEndpoint;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code settlement schema}: applies the ScyllaDB sink's keyspace and tables ({@code schema/settlement.cql},
 * every statement {@code IF NOT EXISTS}) to the database {@code scylla.contact.points} names, or
 * with {@code --print} prints the CQL filled in with {@code scylla.keyspace} and
 * {@code scylla.replication} for {@code cqlsh}. Settings come from the same layers as {@code run}.
 */
@Command(name = "schema", aliases = "scylla-schema", mixinStandardHelpOptions = true,
        description = "Apply the ScyllaDB sink's keyspace and tables to scylla.contact.points, or --print the CQL.")
final class SchemaCommand implements Callable<Integer> {
    @Mixin
    SettlementCli.ConfigOptions config;

    @Option(names = "--print", description = "Print the CQL (for cqlsh) instead of applying it; needs no database.")
    boolean print;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        AppSettings settings = config.load(AppSettings.RUN_DEFAULTS, Map.of());
        Map<String, String> values = settings.asMap();
        if (print) {
            List<String> statements = SchemaApplier.statements(SchemaApplier.keyspace(values), SchemaApplier.replication(values));
            statements.forEach(statement -> out.println(statement + ";\n"));
            out.flush();
            return SettlementCli.EXIT_OK;
        }
        ScyllaEndpoint endpoint = settings.scyllaEndpoint().orElseThrow(() -> new IllegalArgumentException(
                "config key '" + AppSettings.SCYLLA_CONTACT_POINTS + "' is not set (in a config file, or as "
                        + AppSettings.environmentVariable(AppSettings.SCYLLA_CONTACT_POINTS) + "); or use --print"));
        try (CqlSession session = endpoint.openSession()) {
            SchemaApplier.apply(session, endpoint);
        } catch (RuntimeException e) {
            throw new SettlementApp.StartException("cannot apply the schema to " + endpoint.contactPoints() + ": " + e.getMessage(), e);
        }
        out.printf("schema applied to keyspace %s (%d statements)%n", endpoint.keyspace(),
                SchemaApplier.statements(endpoint.keyspace(), endpoint.replication()).size());
        out.flush();
        return SettlementCli.EXIT_OK;
    }
}
