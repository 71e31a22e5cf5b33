package io.settlement.contract;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secret keys that authenticate the records of the internal topics (trade legs, leg results,
 * trades re-keyed by id): HMAC-SHA256 over the topic name, the record's key and its value bytes
 * ({@link AuthenticatedSerde}). Write access to an internal topic is not enough to move money:
 * a record also needs a tag only a holder of a key can compute.
 *
 * <p>One or two keys: the first signs, any verifies, so a key can be rotated without refusing
 * the records still in flight (docs/security.md, "Internal records").
 *
 * <p>A version from before the tags wrote these records without one. So that a rolling upgrade
 * from it does not dead-letter the records in flight, {@link #UNSIGNED_ACCEPTED_UNTIL_CONFIG}
 * opens a bounded window in which a record that has no tag at all (its bytes are exactly one
 * record, {@link WholeRecordDeserializer}) is accepted, logged and counted; a record with a wrong
 * tag is refused whatever the window (docs/running.md, "Upgrading").
 */
public final class InternalRecordKeys {
    /** The setting: base64 keys, comma-separated; the first signs, every one verifies. */
    public static final String KEYS_CONFIG = "internal.record.keys";
    /** Bytes of a key at least (and of a generated one): the output size of SHA-256. */
    public static final int KEY_BYTES = 32;
    /** Keys accepted at once: the current one and, while rotating, the previous one. */
    public static final int KEYS_MAX = 2;
    /** Bytes of a tag. */
    public static final int TAG_BYTES = 32;

    /** The setting: until when (RFC 3339) a record without any tag is accepted; unset, never. */
    public static final String UNSIGNED_ACCEPTED_UNTIL_CONFIG = "internal.record.unsigned.accepted.until";
    /**
     * How far ahead of the start the window may end: an upgrade takes hours, and a window left
     * open by mistake would let anyone with write access forge records until it closes.
     */
    public static final Duration UNSIGNED_WINDOW_MAX = Duration.ofDays(7);

    private static final Logger log = LoggerFactory.getLogger(InternalRecordKeys.class);
    private static final String ALGORITHM = "HmacSHA256";
    /** Domain separation: these tags can never be mistaken for another use of the same key. */
    private static final byte[] DOMAIN = "settlement.internal-record.v1".getBytes(StandardCharsets.US_ASCII);

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(KEYS_CONFIG, Type.PASSWORD, null, Importance.HIGH,
                    "The keys that authenticate internal records (trade legs and their answers): base64 of at least "
                            + KEY_BYTES + " random bytes each, comma-separated, at most " + KEYS_MAX + "; the first signs, "
                            + "either verifies (rotation, docs/security.md). Every instance needs the same keys. Required by run "
                            + "(make one with `openssl rand -base64 32`; keep it out of config files with "
                            + "${file:/path/to/secrets.properties:" + KEYS_CONFIG + "}); dev generates one under its data directory.")
            .define(UNSIGNED_ACCEPTED_UNTIL_CONFIG, Type.STRING, null, new UntilValidator(), Importance.MEDIUM,
                    "For a rolling upgrade from a version that wrote internal records without an authentication tag: until this "
                            + "instant (RFC 3339, e.g. 2027-01-11T18:00:00Z; at most " + UNSIGNED_WINDOW_MAX.toDays()
                            + " days after the start) a record with no tag at all is accepted, logged and counted "
                            + "(settlement_internal_records_unsigned_accepted_total); after it, or unset, it is dead-lettered "
                            + "UNAUTHENTICATED_INTERNAL_RECORD. A record with a wrong tag is always refused. Set it for the upgrade, "
                            + "unset it once every instance runs the new version and no trade from before is PENDING (docs/running.md).");

    private static final class Ephemeral {
        static final InternalRecordKeys KEYS = parse(generate());
    }

    private final List<SecretKeySpec> keys;
    private final ThreadLocal<Mac[]> macs;
    /** The end of the window for records without a tag, or null: none. */
    private final Instant unsignedAcceptedUntil;
    private final Clock clock;
    private final AtomicLong unsignedAccepted = new AtomicLong();

    private InternalRecordKeys(List<SecretKeySpec> keys, Instant unsignedAcceptedUntil, Clock clock) {
        this.keys = List.copyOf(keys);
        this.unsignedAcceptedUntil = unsignedAcceptedUntil;
        this.clock = clock;
        this.macs = ThreadLocal.withInitial(() -> {
            Mac[] perKey = new Mac[this.keys.size()];
            for (int i = 0; i < perKey.length; i++) {
                perKey[i] = newMac(this.keys.get(i));
            }
            return perKey;
        });
    }

    /** The given raw keys; the first signs. */
    public static InternalRecordKeys of(List<byte[]> rawKeys) {
        if (rawKeys.isEmpty() || rawKeys.size() > KEYS_MAX) {
            throw new IllegalArgumentException("internal record keys: 1 to " + KEYS_MAX + " keys, not " + rawKeys.size());
        }
        List<SecretKeySpec> specs = new ArrayList<>();
        for (byte[] raw : rawKeys) {
            if (raw.length < KEY_BYTES) {
                throw new IllegalArgumentException("an internal record key must have at least " + KEY_BYTES + " bytes, one has "
                        + raw.length);
            }
            specs.add(new SecretKeySpec(raw.clone(), ALGORITHM));
        }
        InternalRecordKeys keys = new InternalRecordKeys(specs, null, Clock.systemUTC());
        keys.macs.get(); // HmacSHA256 is in every JRE, but fail now rather than on the first record
        return keys;
    }

    /** Keys written as in {@link #KEYS_CONFIG}: base64, comma-separated. */
    public static InternalRecordKeys parse(String spec) {
        List<byte[]> raw = new ArrayList<>();
        for (String part : spec.split(",")) {
            String trimmed = part.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            try {
                raw.add(Base64.getDecoder().decode(trimmed));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("an internal record key is not base64: " + e.getMessage(), e);
            }
        }
        return of(raw);
    }

    /**
     * The keys of {@link #KEYS_CONFIG} in {@code values}.
     *
     * @throws ConfigException when none is set, saying how to make one, or when one is not valid
     */
    public static InternalRecordKeys fromConfig(Map<String, ?> values) {
        return fromConfig(values, Clock.systemUTC());
    }

    /**
     * As {@link #fromConfig(Map)}, the window for records without a tag ({@link #UNSIGNED_ACCEPTED_UNTIL_CONFIG})
     * read on {@code clock}.
     *
     * @throws ConfigException also when the window ends more than {@link #UNSIGNED_WINDOW_MAX} after now
     */
    public static InternalRecordKeys fromConfig(Map<String, ?> values, Clock clock) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        Password password = config.getPassword(KEYS_CONFIG);
        if (password == null || password.value().isBlank()) {
            throw new ConfigException("config key '" + KEYS_CONFIG + "' is not set: internal records (trade legs and their answers) "
                    + "must be authenticated with a secret key shared by every instance. Make one with `openssl rand -base64 32` "
                    + "and set it, preferably through a file: " + KEYS_CONFIG + "=${file:/path/to/secrets.properties:" + KEYS_CONFIG
                    + "} (docs/security.md, \"Internal records\")");
        }
        InternalRecordKeys keys;
        try {
            keys = parse(password.value());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(KEYS_CONFIG, "(hidden)", e.getMessage());
        }
        String until = config.getString(UNSIGNED_ACCEPTED_UNTIL_CONFIG);
        if (until == null || until.isBlank()) {
            return keys;
        }
        Instant end = parseInstant(until);
        if (end.isAfter(clock.instant().plus(UNSIGNED_WINDOW_MAX))) {
            throw new ConfigException(UNSIGNED_ACCEPTED_UNTIL_CONFIG, until, "ends more than " + UNSIGNED_WINDOW_MAX.toDays()
                    + " days from now (" + clock.instant() + "): a window for records without a tag is for one rolling upgrade");
        }
        return keys.withUnsignedAcceptedUntil(end, clock);
    }

    /**
     * These keys, and records without a tag accepted while {@code clock} reads before {@code until}.
     * The new instance counts on its own.
     */
    public InternalRecordKeys withUnsignedAcceptedUntil(Instant until, Clock clock) {
        return new InternalRecordKeys(keys, until, clock);
    }

    /** The end of the window for records without a tag, or null when there is none. */
    public Instant unsignedAcceptedUntil() {
        return unsignedAcceptedUntil;
    }

    /** How many records without a tag were accepted so far. */
    public long unsignedAccepted() {
        return unsignedAccepted.get();
    }

    /**
     * Whether a record without a tag on {@code topic} is accepted now; an accepted one is counted
     * and logged (the first, then every thousandth: they come in bursts while instances roll).
     */
    boolean acceptUnsigned(String topic) {
        if (unsignedAcceptedUntil == null || !clock.instant().isBefore(unsignedAcceptedUntil)) {
            return false;
        }
        long count = unsignedAccepted.incrementAndGet();
        if (count == 1 || count % 1000 == 0) {
            log.warn("Accepted a record without an authentication tag on {} ({} so far), as {} allows until {}", topic, count,
                    UNSIGNED_ACCEPTED_UNTIL_CONFIG, unsignedAcceptedUntil);
        }
        return true;
    }

    private static Instant parseInstant(String value) {
        try {
            return OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw new ConfigException(UNSIGNED_ACCEPTED_UNTIL_CONFIG, value, "not an RFC 3339 instant with an offset, "
                    + "e.g. 2027-01-11T18:00:00Z: " + e.getMessage());
        }
    }

    private static final class UntilValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value != null && !String.valueOf(value).isBlank()) {
                parseInstant(String.valueOf(value));
            }
        }

        @Override
        public String toString() {
            return "an RFC 3339 instant, e.g. 2027-01-11T18:00:00Z";
        }
    }

    /**
     * A key made at random once per process: for tests and benchmarks that run the whole topology
     * in one process. Never for a deployment: another instance, or this one restarted, would refuse
     * every record in flight.
     */
    public static InternalRecordKeys ephemeral() {
        return Ephemeral.KEYS;
    }

    /** A new random key, base64, as {@link #KEYS_CONFIG} takes it. */
    public static String generate() {
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** The tag of a record, with the signing (first) key. */
    public byte[] sign(String topic, byte[] key, byte[] value) {
        return tag(macs.get()[0], topic, key, value);
    }

    /** Whether {@code tag} is the tag of the record under one of the keys; compared in constant time. */
    public boolean verify(String topic, byte[] key, byte[] value, byte[] tag) {
        boolean valid = false;
        for (Mac mac : macs.get()) {
            // Every key is tried, so the time taken does not say which one matched.
            valid |= MessageDigest.isEqual(tag(mac, topic, key, value), tag);
        }
        return valid;
    }

    /** Length-prefixed fields, so that no two different (topic, key, value) feed the same bytes. */
    private static byte[] tag(Mac mac, String topic, byte[] key, byte[] value) {
        byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
        byte[] keyBytes = key == null ? new byte[0] : key;
        mac.update(DOMAIN);
        mac.update(ByteBuffer.allocate(4).putInt(topicBytes.length).array());
        mac.update(topicBytes);
        mac.update(ByteBuffer.allocate(4).putInt(key == null ? -1 : keyBytes.length).array());
        mac.update(keyBytes);
        mac.update(value);
        return mac.doFinal();
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JRE has no " + ALGORITHM, e);
        }
    }

    @Override
    public String toString() {
        return "InternalRecordKeys[" + keys.size() + " key(s), hidden" + (unsignedAcceptedUntil == null ? ""
                : ", untagged records accepted until " + unsignedAcceptedUntil) + "]";
    }
}
