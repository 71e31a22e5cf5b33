package io.settlement.topology.balance;

import java.util.function.ToLongFunction;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Records that belong to one user each (deposit and withdrawal holds, order reservations) in a
 * store of the balance task, keyed so that a business id is unique per user, as command ids are:
 * {@code <prefix>@<user_id>/<id>}. One chain transaction often pays several deposit addresses of
 * the same exchange, so two users' deposits may share a {@code transaction_id}; each is its own
 * deposit.
 *
 * <p>Records written before ids were scoped to their user sit under {@code <legacy prefix><id>}.
 * They are still found, for their own user only, and updated where they are, so a deposit
 * initiated before an upgrade confirms after it. Every lookup checks the owner, so neither key
 * form can ever hand one user's record to another, even where an old id happens to look like a
 * new key.
 *
 * @param <V> the record
 */
final class OwnedRecords<V> {
    /** A record and the key it is stored under (the scoped key, or the legacy key it was written under). */
    record Found<V>(String key, V value) {}

    private final KeyValueStore<String, V> store;
    private final String prefix;
    private final String legacyPrefix;
    private final ToLongFunction<V> owner;

    OwnedRecords(KeyValueStore<String, V> store, String prefix, String legacyPrefix, ToLongFunction<V> owner) {
        this.store = store;
        this.prefix = prefix;
        this.legacyPrefix = legacyPrefix;
        this.owner = owner;
    }

    /** The user's record with this id, or null when the user has none. */
    Found<V> find(long userId, String id) {
        String key = key(userId, id);
        V value = store.get(key);
        if (value == null) {
            key = legacyPrefix + id;
            value = store.get(key);
        }
        return value != null && owner.applyAsLong(value) == userId ? new Found<>(key, value) : null;
    }

    /** The record stored under {@code key} (as {@link Found#key()} named it), or null. */
    Found<V> at(String key) {
        V value = store.get(key);
        return value == null ? null : new Found<>(key, value);
    }

    /**
     * Whether the id cannot be taken by this user: the user has a record with it, or (for an id
     * kept from before ids were scoped) another user's old record sits under the key it would get.
     */
    boolean taken(long userId, String id) {
        if (store.get(key(userId, id)) != null) {
            return true;
        }
        V legacy = store.get(legacyPrefix + id);
        return legacy != null && owner.applyAsLong(legacy) == userId;
    }

    /** Stores a new record under the user's scoped key and returns that key. */
    String create(long userId, String id, V value) {
        String key = key(userId, id);
        store.put(key, value);
        return key;
    }

    /** Replaces a record where it was found. */
    void update(Found<V> found, V value) {
        store.put(found.key(), value);
    }

    String key(long userId, String id) {
        return key(prefix, userId, id);
    }

    static String key(String prefix, long userId, String id) {
        return prefix + '@' + userId + '/' + id;
    }
}
