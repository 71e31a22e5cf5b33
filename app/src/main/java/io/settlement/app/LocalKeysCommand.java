package io.settlement.app;

import io.settlement.http.HttpApiConfig;
import io.settlement.contract.InternalRecordKeys;
import io.settlement.http.TokenMinter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code settlement local-keys}: what a local stack ({@code docker compose}) needs to run
 * {@code run} without an identity provider, in one directory (a shared volume): an RSA key pair
 * standing in for the identity provider (the app verifies tokens with the public half,
 * {@code auth.public.key.file}; {@code token --private-key} signs with the private half), an
 * internal record key ({@code internal.record.keys}, as a properties file for
 * {@code ${file:...}}), and a service token for Prometheus to read {@code /metrics} with. Keys are
 * made once and kept (a restart keeps tokens and records in flight valid); the Prometheus token is
 * minted again on every run, for the current {@code auth.issuer}. For a local stack only: in
 * production tokens come from the identity provider and keys from the secret store.
 */
@Command(name = "local-keys", mixinStandardHelpOptions = true,
        description = "Create, once, a token key pair, an internal record key and a metrics token for a local stack (docker compose).")
final class LocalKeysCommand implements Callable<Integer> {
    static final String PRIVATE_KEY = "token-private-key.pem";
    static final String PUBLIC_KEY = "token-public-key.pem";
    static final String INTERNAL_KEYS = "internal-record-keys.properties";
    static final String METRICS_TOKEN = "metrics.token";
    /** The metrics token outlives any local stack's life. */
    static final Duration METRICS_TOKEN_TTL = Duration.ofDays(366);

    @Mixin
    SettlementCli.ConfigOptions config;

    @Option(names = "--dir", paramLabel = "DIR", required = true, description = "Where the keys are (created if missing).")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        AppSettings settings = config.load(AppSettings.RUN_DEFAULTS, Map.of());
        String issuer = settings.effective().getOrDefault(HttpApiConfig.AUTH_ISSUER, "").trim();
        if (issuer.isEmpty()) {
            throw new IllegalArgumentException("config key '" + HttpApiConfig.AUTH_ISSUER + "' is not set (as "
                    + AppSettings.environmentVariable(HttpApiConfig.AUTH_ISSUER) + "): the iss of the tokens the key pair signs");
        }
        Files.createDirectories(dir);
        Path privateKey = dir.resolve(PRIVATE_KEY);
        if (!Files.exists(privateKey)) {
            KeyPair pair = TokenMinter.rsaKeyPair();
            write(dir.resolve(PUBLIC_KEY), TokenMinter.publicKeyPem(pair.getPublic()), "rw-r--r--");
            write(privateKey, privateKeyPem(pair.getPrivate()), "rw-------");
            out.println("Created a token key pair: " + privateKey + ", " + dir.resolve(PUBLIC_KEY));
        }
        Path internalKeys = dir.resolve(INTERNAL_KEYS);
        if (!Files.exists(internalKeys)) {
            write(internalKeys, InternalRecordKeys.KEYS_CONFIG + "=" + InternalRecordKeys.generate() + "\n", "rw-------");
            out.println("Created an internal record key: " + internalKeys);
        }
        String audience = settings.effective().get(io.settlement.http.HttpApiConfig.AUTH_AUDIENCE);
        String token = TokenMinter.rsa(readPrivateKey(privateKey), issuer, audience).service("prometheus", METRICS_TOKEN_TTL);
        // Prometheus runs as another user: the token is readable by all, and only reads metrics and data (a local stack).
        write(dir.resolve(METRICS_TOKEN), token + "\n", "rw-r--r--");
        out.println("Wrote a service token for Prometheus (issuer " + issuer + ", valid " + METRICS_TOKEN_TTL.toDays() + " days): "
                + dir.resolve(METRICS_TOKEN));
        out.flush();
        return SettlementCli.EXIT_OK;
    }

    /** {@code key} as PEM ({@code -----BEGIN PRIVATE KEY-----}, PKCS#8), what {@link #readPrivateKey} reads. */
    static String privateKeyPem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** An RSA private key from a PKCS#8 PEM file ({@code openssl genpkey -algorithm RSA} writes one). */
    static PrivateKey readPrivateKey(Path file) {
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
                throw new IllegalArgumentException(file + " is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)");
            }
            String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the private key " + file + ": " + e.getMessage(), e);
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the private key " + file + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, String text, String permissions) throws IOException {
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own permissions apply
        }
    }
}
