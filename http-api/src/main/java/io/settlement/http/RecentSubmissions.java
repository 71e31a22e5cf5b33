package io.settlement.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The command ids this instance published lately, with a fingerprint of their content, bounded
 * to {@code max} entries (oldest forgotten first). A retry of a remembered id with the same
 * content is answered without publishing again; with other content it is a 409 {@code ID_CONFLICT}.
 * This is only the fast path: an id another instance published, or one forgotten here, is
 * published again, and the topology's idempotency (same id + same content = same result; other
 * content = ID_CONFLICT) keeps that harmless.
 */
final class RecentSubmissions {
    private final Map<String, String> fingerprints;

    RecentSubmissions(int max) {
        this.fingerprints = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > max;
            }
        };
    }

    synchronized Optional<String> fingerprintOf(String commandKey) {
        return Optional.ofNullable(fingerprints.get(commandKey));
    }

    synchronized boolean contains(String commandKey) {
        return fingerprints.containsKey(commandKey);
    }

    synchronized void remember(String commandKey, String fingerprint) {
        fingerprints.put(commandKey, fingerprint);
    }
}
