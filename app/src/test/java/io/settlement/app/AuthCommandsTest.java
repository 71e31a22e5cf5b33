package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.http.AuthSettings;
import io.settlement.http.Caller;
import io.settlement.http.JwtAuthenticator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The CLI's side of authentication: `token` signs with dev's key, `run` refuses to start without a production key source. */
class AuthCommandsTest {
    @Test
    void tokenMintsUserServiceAndOperatorTokensThatDevsKeyVerifies() throws Exception {
        // given dev's key under a data dir
        Path dataDir = Files.createTempDirectory("token-command");
        Path key = DevKey.ensure(dataDir);
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        JwtAuthenticator authenticator = new JwtAuthenticator(AuthSettings.hmac(DevKey.read(key), AppSettings.DEV_ISSUER, "settlement-api"));
        // when tokens are minted, then each verifies as its role
        assertThat(authenticator.authenticate("Bearer " + mint(dataDir, "--user", "42"))).isEqualTo(new Caller("42", Caller.Role.USER));
        assertThat(authenticator.authenticate("Bearer " + mint(dataDir, "--service"))).isEqualTo(new Caller("wallet-service", Caller.Role.SERVICE));
        assertThat(authenticator.authenticate("Bearer " + mint(dataDir, "--operator", "ops"))).isEqualTo(new Caller("ops", Caller.Role.OPERATOR));
        // and the key is kept: a second ensure does not replace it
        assertThat(DevKey.ensure(dataDir)).isEqualTo(key);
        assertThat(authenticator.authenticate("Bearer " + mint(dataDir, "--user", "7")).subject()).isEqualTo("7");
    }

    @Test
    void tokenWithoutDevsKeyIsAUsageErrorThatSaysToStartDev() throws Exception {
        StringWriter err = new StringWriter();
        int exitCode = cli(new StringWriter(), err, "token", "--data-dir", Files.createTempDirectory("no-dev").toString(), "--user", "42");
        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(err.toString()).contains("no dev key").contains("start `dev`");
    }

    @Test
    void runRefusesDevsHmacSecretAndAMissingKeySourceBeforeTouchingKafka() {
        StringWriter err = new StringWriter();
        int hmac = cli(new StringWriter(), err, "run", "--set", "bootstrap.servers=127.0.0.1:1",
                "--set", "auth.hmac.secret.file=/tmp/some.key", "--set", "auth.issuer=x");
        assertThat(hmac).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(err.toString()).contains("auth.hmac.secret.file").contains("dev only");

        StringWriter err2 = new StringWriter();
        int none = cli(new StringWriter(), err2, "run", "--set", "bootstrap.servers=127.0.0.1:1");
        assertThat(none).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(err2.toString()).contains("auth.jwks.url").contains("auth.public.key.file");

        StringWriter err3 = new StringWriter();
        int noIssuer = cli(new StringWriter(), err3, "run", "--set", "bootstrap.servers=127.0.0.1:1",
                "--set", "auth.jwks.url=https://idp.example.test/jwks.json");
        assertThat(noIssuer).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(err3.toString()).contains("auth.issuer").contains("SETTLEMENT_AUTH_ISSUER");
    }

    @Test
    void localKeysMakeWhatComposeRunNeedsAndTokenSignsWithItsPrivateKey() throws Exception {
        // given an empty shared directory, as the compose stack's volume starts
        Path dir = Files.createTempDirectory("local-keys").resolve("auth");

        // when local-keys runs twice (every `docker compose up` runs it)
        assertThat(cli(new StringWriter(), new StringWriter(), "local-keys", "--dir", dir.toString(),
                "--set", "auth.issuer=settlement-compose")).isEqualTo(SettlementCli.EXIT_OK);
        String publicKey = Files.readString(dir.resolve(LocalKeysCommand.PUBLIC_KEY));
        String internalKeys = Files.readString(dir.resolve(LocalKeysCommand.INTERNAL_KEYS));
        assertThat(cli(new StringWriter(), new StringWriter(), "local-keys", "--dir", dir.toString(),
                "--set", "auth.issuer=settlement-compose")).isEqualTo(SettlementCli.EXIT_OK);

        // then the keys were made once and kept, the private ones readable by their owner only
        assertThat(Files.readString(dir.resolve(LocalKeysCommand.PUBLIC_KEY))).isEqualTo(publicKey);
        assertThat(Files.readString(dir.resolve(LocalKeysCommand.INTERNAL_KEYS))).isEqualTo(internalKeys);
        assertThat(Files.getPosixFilePermissions(dir.resolve(LocalKeysCommand.PRIVATE_KEY))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        // and run's settings read them as compose passes them: the public key file and the key through ${file:...}
        AppSettings run = AppSettings.of(AppSettings.RUN_DEFAULTS, java.util.Map.of(
                "auth.public.key.file", dir.resolve(LocalKeysCommand.PUBLIC_KEY).toString(), "auth.issuer", "settlement-compose",
                "internal.record.keys", "${file:" + dir.resolve(LocalKeysCommand.INTERNAL_KEYS) + ":internal.record.keys}"));
        run.internalRecordKeys();
        JwtAuthenticator authenticator = new JwtAuthenticator(run.authSettings());
        // and the Prometheus token and a token signed with --private-key verify with the public key
        assertThat(authenticator.authenticate("Bearer " + Files.readString(dir.resolve(LocalKeysCommand.METRICS_TOKEN)).trim()))
                .isEqualTo(new Caller("prometheus", Caller.Role.SERVICE));
        StringWriter out = new StringWriter();
        assertThat(cli(out, new StringWriter(), "token", "--private-key", dir.resolve(LocalKeysCommand.PRIVATE_KEY).toString(),
                "--set", "auth.issuer=settlement-compose", "--user", "42")).isEqualTo(SettlementCli.EXIT_OK);
        assertThat(authenticator.authenticate("Bearer " + out.toString().trim())).isEqualTo(new Caller("42", Caller.Role.USER));
    }

    private static String mint(Path dataDir, String... who) {
        StringWriter out = new StringWriter();
        String[] args = new String[who.length + 3];
        args[0] = "token";
        args[1] = "--data-dir";
        args[2] = dataDir.toString();
        System.arraycopy(who, 0, args, 3, who.length);
        assertThat(cli(out, new StringWriter(), args)).isEqualTo(SettlementCli.EXIT_OK);
        return out.toString().trim();
    }

    private static int cli(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = SettlementCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
