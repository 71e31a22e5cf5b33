package io.settlement.app;

import io.settlement.http.TokenMinter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code settlement token}: prints a bearer token signed with the dev key that {@code dev}
 * generated under its data dir, for a user, a service or an operator. Production tokens come
 * from the identity provider; this only works against {@code dev}.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Print a bearer token for the dev API, signed with the key dev keeps under --data-dir.")
final class TokenCommand implements Callable<Integer> {
    static final Duration TTL_DEFAULT = Duration.ofHours(24);
    static final String SERVICE_DEFAULT = "wallet-service";

    static final class Who {
        @Option(names = "--user", paramLabel = "ID", description = "A user token: sub is the user id.")
        Long user;

        @Option(names = "--service", paramLabel = "NAME", arity = "0..1", fallbackValue = SERVICE_DEFAULT,
                description = "A service token (scope settlement:service), sub NAME (default: ${FALLBACK-VALUE}).")
        String service;

        @Option(names = "--operator", paramLabel = "NAME", arity = "0..1", fallbackValue = "operator",
                description = "An operator token (scope settlement:operator), sub NAME (default: ${FALLBACK-VALUE}).")
        String operator;
    }

    @Mixin
    SettlementCli.ConfigOptions config;

    @ArgGroup(multiplicity = "1")
    Who who;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
            description = "The data dir of dev, where its key is (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--ttl-hours", paramLabel = "HOURS", defaultValue = "24",
            description = "How long the token is valid (default: ${DEFAULT-VALUE}).")
    int ttlHours;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path keyFile = DevKey.fileUnder(dataDir);
        if (!Files.exists(keyFile)) {
            throw new IllegalArgumentException("no dev key at " + keyFile + ": start `dev` (with the same --data-dir) first");
        }
        if (ttlHours <= 0 || ttlHours > 24 * 366) {
            throw new IllegalArgumentException("--ttl-hours must be 1.." + 24 * 366);
        }
        AppSettings settings = config.load(AppSettings.DEV_DEFAULTS, Map.of(AppSettings.AUTH_HMAC_SECRET_FILE, keyFile.toString()));
        TokenMinter minter = new TokenMinter(DevKey.read(keyFile), settings.authSettings().issuer(), settings.authSettings().audience());
        Duration ttl = Duration.ofHours(ttlHours);
        String token;
        if (who.user != null) {
            if (who.user <= 0) {
                throw new IllegalArgumentException("--user must be a user id > 0");
            }
            token = minter.user(who.user, ttl);
        } else if (who.service != null) {
            token = minter.service(who.service, ttl);
        } else {
            token = minter.operator(who.operator, ttl);
        }
        spec.commandLine().getOut().println(token);
        spec.commandLine().getOut().flush();
        return SettlementCli.EXIT_OK;
    }
}
