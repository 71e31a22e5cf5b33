package io.settlement.app;

import io.settlement.http.HttpApiConfig;
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
 * {@code settlement token}: prints a bearer token for a user, a service or an operator, signed
 * with the dev key that {@code dev} generated under its data dir, or with {@code --private-key}
 * (RS256, for a {@code run} that verifies with the public half, such as the compose stack's, whose
 * keys {@link LocalKeysCommand} makes). Production tokens come from the identity provider.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Print a bearer token, signed with the key dev keeps under --data-dir, or with --private-key.")
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

    @Option(names = "--private-key", paramLabel = "FILE",
            description = "Sign RS256 with this PKCS#8 PEM private key (the compose stack's, local-keys), issuer auth.issuer, "
                    + "instead of dev's key; for a run instance that verifies with its public half (auth.public.key.file).")
    Path privateKey;

    @Option(names = "--ttl-hours", paramLabel = "HOURS", defaultValue = "24",
            description = "How long the token is valid (default: ${DEFAULT-VALUE}).")
    int ttlHours;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (ttlHours <= 0 || ttlHours > 24 * 366) {
            throw new IllegalArgumentException("--ttl-hours must be 1.." + 24 * 366);
        }
        TokenMinter minter = privateKey != null ? rsaMinter() : devMinter();
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

    private TokenMinter devMinter() throws IOException {
        Path keyFile = DevKey.fileUnder(dataDir);
        if (!Files.exists(keyFile)) {
            throw new IllegalArgumentException("no dev key at " + keyFile + ": start `dev` (with the same --data-dir) first, "
                    + "or sign with --private-key");
        }
        AppSettings settings = config.load(AppSettings.DEV_DEFAULTS, Map.of(HttpApiConfig.AUTH_HMAC_SECRET_FILE, keyFile.toString()));
        return new TokenMinter(DevKey.read(keyFile), settings.authSettings().issuer(), settings.authSettings().audience());
    }

    /** RS256 with the given key; the issuer and audience are run's settings, since run verifies these tokens. */
    private TokenMinter rsaMinter() {
        Map<String, String> settings = config.load(AppSettings.RUN_DEFAULTS, Map.of()).effective();
        String issuer = settings.getOrDefault(HttpApiConfig.AUTH_ISSUER, "").trim();
        if (issuer.isEmpty()) {
            throw new IllegalArgumentException("config key '" + HttpApiConfig.AUTH_ISSUER + "' is not set (as "
                    + AppSettings.environmentVariable(HttpApiConfig.AUTH_ISSUER) + "): the iss the verifying instance expects");
        }
        return TokenMinter.rsa(LocalKeysCommand.readPrivateKey(privateKey), issuer,
                settings.get(io.settlement.http.HttpApiConfig.AUTH_AUDIENCE));
    }
}
