package io.settlement.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settlement.avro.LegPhase;
import io.settlement.avro.LegResult;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeSide;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

/**
 * The transition window for internal records written without a tag by a version from before the
 * tags ({@code internal.record.unsigned.accepted.until}): a record with no tag at all is accepted
 * while it is open and counted, refused after; a record with a wrong tag is refused whatever the
 * window; the setting is an RFC 3339 instant at most seven days ahead.
 */
class UntaggedRecordWindowTest {
    private static final Instant NOW = Instant.parse("2026-01-05T09:00:00Z");
    private static final String LEGS = Topics.TRADE_LEGS;
    private static final String ANSWERS = Topics.LEG_RESULTS;

    private final SingleObjectSerde<TradeLeg> legFormat = new SingleObjectSerde<>(TradeLeg.class);
    private final SingleObjectSerde<LegResult> answerFormat = new SingleObjectSerde<>(LegResult.class);
    private final String key = InternalRecordKeys.generate();
    private final MutableClock clock = new MutableClock(NOW);

    @Test
    void givenAWindowOpenForAnHour_whenAnUntaggedLegArrivesWithinIt_thenItIsAcceptedAndCountedAndAfterItTheSameBytesAreRefused() {
        InternalRecordKeys keys = InternalRecordKeys.parse(key).withUnsignedAcceptedUntil(NOW.plusSeconds(3600), clock);
        AuthenticatedSerde<Long, TradeLeg> serde = legs(keys);
        TradeLeg leg = leg("tr-1", 7);
        byte[] untagged = legFormat.serialize(LEGS, leg);

        TradeLeg read = serde.deserialize(LEGS, untagged);
        clock.set(NOW.plusSeconds(3600));

        assertThat(read).isEqualTo(leg);
        assertThat(keys.unsignedAccepted()).isEqualTo(1);
        assertThatThrownBy(() -> serde.deserialize(LEGS, untagged))
                .isInstanceOf(UnauthenticatedRecordException.class)
                .hasMessageContaining("has no authentication tag").hasMessageContaining("closed at 2026-01-05T10:00:00Z");
        assertThat(keys.unsignedAccepted()).as("a refused record is not counted").isEqualTo(1);
    }

    @Test
    void givenNoWindow_whenAnUntaggedLegArrives_thenItIsRefusedSayingTheSettingIsUnset() {
        AuthenticatedSerde<Long, TradeLeg> serde = legs(InternalRecordKeys.parse(key));

        assertThatThrownBy(() -> serde.deserialize(LEGS, legFormat.serialize(LEGS, leg("tr-1", 7))))
                .isInstanceOf(UnauthenticatedRecordException.class)
                .hasMessageContaining("has no authentication tag")
                .hasMessageContaining(InternalRecordKeys.UNSIGNED_ACCEPTED_UNTIL_CONFIG + " is not set");
    }

    @Test
    void givenAnOpenWindow_whenLegsCarryATagOfAForeignKeyOrAnAlteredTag_thenEveryOneIsRefusedAndNoneCounted() {
        InternalRecordKeys keys = InternalRecordKeys.parse(key).withUnsignedAcceptedUntil(NOW.plusSeconds(3600), clock);
        AuthenticatedSerde<Long, TradeLeg> serde = legs(keys);
        AuthenticatedSerde<Long, TradeLeg> foreign = legs(InternalRecordKeys.parse(InternalRecordKeys.generate()));
        AuthenticatedSerde<Long, TradeLeg> own = legs(InternalRecordKeys.parse(key));
        SplittableRandom random = new SplittableRandom(11);

        for (int i = 0; i < 300; i++) {
            TradeLeg leg = leg("tr-" + random.nextInt(1_000_000), random.nextLong(1, Long.MAX_VALUE));
            byte[] foreignTag = foreign.serialize(LEGS, leg);
            byte[] altered = own.serialize(LEGS, leg);
            altered[altered.length - 1 - random.nextInt(InternalRecordKeys.TAG_BYTES)] ^= (byte) (1 << random.nextInt(8));
            byte[] randomTag = Arrays.copyOf(legFormat.serialize(LEGS, leg), altered.length);
            for (int b = altered.length - InternalRecordKeys.TAG_BYTES; b < randomTag.length; b++) {
                randomTag[b] = (byte) random.nextInt(256);
            }

            for (byte[] wrong : new byte[][] {foreignTag, altered, randomTag}) {
                assertThatThrownBy(() -> serde.deserialize(LEGS, wrong)).isInstanceOf(UnauthenticatedRecordException.class)
                        .hasMessageContaining("not authenticated");
            }
        }
        assertThat(keys.unsignedAccepted()).isZero();
    }

    @Test
    void givenAnOpenWindow_whenATaggedLegArrives_thenItIsReadByItsTagAndNotCountedAsUntagged() {
        InternalRecordKeys keys = InternalRecordKeys.parse(key).withUnsignedAcceptedUntil(NOW.plusSeconds(3600), clock);
        TradeLeg leg = leg("tr-1", 7);

        TradeLeg read = legs(keys).deserialize(LEGS, legs(InternalRecordKeys.parse(key)).serialize(LEGS, leg));

        assertThat(read).isEqualTo(leg);
        assertThat(keys.unsignedAccepted()).isZero();
    }

    @Test
    void givenAnOpenWindow_whenAnUntaggedAnswerShorterThanATagArrives_thenItIsAcceptedAsTheWholeRecordItIs() {
        InternalRecordKeys keys = InternalRecordKeys.parse(key).withUnsignedAcceptedUntil(NOW.plusSeconds(60), clock);
        AuthenticatedSerde<String, LegResult> serde = new AuthenticatedSerde<>(answerFormat, Serdes.String().serializer(),
                LegResult::getTradeId, keys);
        LegResult answer = LegResult.newBuilder().setTradeId("t").setUserId(1).setSide(TradeSide.BUYER).setPhase(LegPhase.DEBIT)
                .setStatus(ResultStatus.ACCEPTED).setReason(null).build();
        byte[] untagged = answerFormat.serialize(ANSWERS, answer);

        LegResult read = serde.deserialize(ANSWERS, untagged);

        assertThat(untagged.length).as("shorter than a tag").isLessThanOrEqualTo(InternalRecordKeys.TAG_BYTES);
        assertThat(read).isEqualTo(answer);
    }

    @Test
    void givenAnOpenWindow_whenAnUntaggedLegHasBytesAppendedOrCut_thenItIsRefused() {
        InternalRecordKeys keys = InternalRecordKeys.parse(key).withUnsignedAcceptedUntil(NOW.plusSeconds(60), clock);
        AuthenticatedSerde<Long, TradeLeg> serde = legs(keys);
        byte[] untagged = legFormat.serialize(LEGS, leg("tr-1", 7));

        for (int extra = 1; extra <= 40; extra++) {
            byte[] longer = Arrays.copyOf(untagged, untagged.length + extra);
            assertThatThrownBy(() -> serde.deserialize(LEGS, longer)).as("%d bytes appended", extra)
                    .isInstanceOf(UnauthenticatedRecordException.class);
        }
        for (int length = 0; length < untagged.length; length++) {
            byte[] cut = Arrays.copyOf(untagged, length);
            assertThatThrownBy(() -> serde.deserialize(LEGS, cut)).as("cut to %d", length)
                    .isInstanceOf(UnauthenticatedRecordException.class);
        }
        assertThat(keys.unsignedAccepted()).isZero();
    }

    @Test
    void givenTheSettingUnset_whenKeysAreConfigured_thenThereIsNoWindow() {
        InternalRecordKeys keys = InternalRecordKeys.fromConfig(Map.of(InternalRecordKeys.KEYS_CONFIG, key), clock);

        assertThat(keys.unsignedAcceptedUntil()).isNull();
    }

    @Test
    void givenAnRfc3339InstantInUtcOrWithAnOffset_whenConfigured_thenTheWindowEndsAtThatInstant() {
        InternalRecordKeys utc = InternalRecordKeys.fromConfig(Map.of(InternalRecordKeys.KEYS_CONFIG, key,
                InternalRecordKeys.UNSIGNED_ACCEPTED_UNTIL_CONFIG, "2026-01-05T18:00:00Z"), clock);
        InternalRecordKeys offset = InternalRecordKeys.fromConfig(Map.of(InternalRecordKeys.KEYS_CONFIG, key,
                InternalRecordKeys.UNSIGNED_ACCEPTED_UNTIL_CONFIG, "2026-01-05T19:00:00+01:00"), clock);

        assertThat(utc.unsignedAcceptedUntil()).isEqualTo(Instant.parse("2026-01-05T18:00:00Z"));
        assertThat(offset.unsignedAcceptedUntil()).isEqualTo(Instant.parse("2026-01-05T18:00:00Z"));
        assertThat(utc.toString()).contains("until 2026-01-05T18:00:00Z").doesNotContain(key);
    }

    @Test
    void givenSomethingThatIsNotAnInstantWithAnOffset_whenConfigured_thenTheSettingIsRefusedByName() {
        for (String bad : new String[] {"tomorrow", "2026-01-05T18:00:00", "2026-01-05", "1767600000"}) {
            assertThatThrownBy(() -> InternalRecordKeys.fromConfig(Map.of(InternalRecordKeys.KEYS_CONFIG, key,
                    InternalRecordKeys.UNSIGNED_ACCEPTED_UNTIL_CONFIG, bad), clock))
                    .as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(InternalRecordKeys.UNSIGNED_ACCEPTED_UNTIL_CONFIG).hasMessageContaining("RFC 3339");
        }
    }

    @Test
    void givenAWindowEndingMoreThanSevenDaysAhead_whenConfigured_thenItIsRefusedAndSevenDaysExactlyIsTaken() {
        Instant sevenDays = NOW.plus(InternalRecordKeys.UNSIGNED_WINDOW_MAX);

        assertThatThrownBy(() -> InternalRecordKeys.fromConfig(Map.of(InternalRecordKeys.KEYS_CONFIG, key,
                InternalRecordKeys.UNSIGNED_ACCEPTED_UNTIL_CONFIG, sevenDays.plusSeconds(1).toString()), clock))
                .isInstanceOf(ConfigException.class).hasMessageContaining("more than 7 days");
        assertThat(InternalRecordKeys.fromConfig(Map.of(InternalRecordKeys.KEYS_CONFIG, key,
                InternalRecordKeys.UNSIGNED_ACCEPTED_UNTIL_CONFIG, sevenDays.toString()), clock).unsignedAcceptedUntil())
                .isEqualTo(sevenDays);
    }

    private AuthenticatedSerde<Long, TradeLeg> legs(InternalRecordKeys keys) {
        return new AuthenticatedSerde<>(legFormat, Serdes.Long().serializer(), TradeLeg::getUserId, keys);
    }

    private static TradeLeg leg(String tradeId, long userId) {
        return TradeLeg.newBuilder().setTradeId(tradeId).setUserId(userId).setSide(TradeSide.BUYER).setPhase(LegPhase.DEBIT)
                .setAsset("USDT").setAmount(500).setFee(0).setOrderId(null).setCreatedAt(NOW).setTradeFingerprint("f")
                .setPaidAsset("USDT").setPaidAmount(500).setReceivedAsset("BTC").setReceivedNet(1).build();
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
