package io.settlement.app;

import io.settlement.contract.InternalRecordKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The internal record key of {@code dev} ({@code internal.record.keys}): 32 random bytes, base64,
 * in {@code <data-dir>/auth/internal-record.key} (owner-only permissions where the file system has
 * them). Generated on the first start and kept next to the broker's log, so the trade legs and
 * answers still in flight when dev stops verify when it starts again.
 */
final class DevInternalKey {
    static final String FILE = "auth/internal-record.key";

    private DevInternalKey() {}

    /** The key under {@code dataDir}, created at random if missing, as {@code internal.record.keys} takes it. */
    static String ensure(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, InternalRecordKeys.generate() + "\n", StandardCharsets.US_ASCII);
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: the data dir's own permissions apply
                }
            }
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the dev internal record key " + file, e);
        }
    }
}
