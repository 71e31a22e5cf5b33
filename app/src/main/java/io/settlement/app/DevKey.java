package io.settlement.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The HS256 secret of {@code dev}: 32 random bytes, base64, in {@code <data-dir>/auth/dev-hmac.key}
 * (owner-only permissions where the file system has them). Generated on the first start and kept,
 * so tokens minted with {@code token} stay valid across restarts; delete it to revoke them all.
 */
final class DevKey {
    static final String FILE = "auth/dev-hmac.key";
    private static final int SECRET_BYTES = 32;

    private DevKey() {}

    static Path fileUnder(Path dataDir) {
        return dataDir.resolve(FILE);
    }

    /** The key file under {@code dataDir}, created with a fresh secret if missing. */
    static Path ensure(Path dataDir) {
        Path file = fileUnder(dataDir);
        if (Files.exists(file)) {
            return file;
        }
        byte[] secret = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(secret);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, Base64.getEncoder().encodeToString(secret) + "\n", StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the data dir's own permissions apply
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dev signing key " + file, e);
        }
        return file;
    }

    static byte[] read(Path file) throws IOException {
        return io.settlement.http.HttpApiConfig.hmacSecret(file);
    }
}
