package io.settlement.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settlement.avro.LegResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeState;
import io.settlement.contract.AuthenticatedSerde;
import io.settlement.contract.InternalRecordKeys;
import io.settlement.contract.SingleObjectSerde;
import io.settlement.contract.Topics;
import io.settlement.contract.UnauthenticatedRecordException;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.balance.Hold;
import io.settlement.topology.balance.RememberedCommand;
import io.settlement.topology.balance.Reservation;
import io.settlement.topology.trade.RetiredTrade;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

/**
 * Today's code reads every stored value layout, store key form and internal record version ever
 * written: the checked-in fixture (src/test/resources/upgrade-fixtures, README.md there says what
 * each file is and which version wrote it), decoded and compared with the values it was written
 * from. The files are never regenerated: a layout change that breaks one fails here.
 */
class UpgradeFixtureTest {
    private static final InternalRecordKeys KEYS = InternalRecordKeys.parse(UpgradeFixtures.FIXTURE_KEY);
    /** The window of a rolling upgrade, open while the fixture's records are read. */
    private static final InternalRecordKeys KEYS_IN_WINDOW = KEYS.withUnsignedAcceptedUntil(UpgradeFixtures.AT.plusSeconds(3600),
            Clock.fixed(UpgradeFixtures.AT, ZoneOffset.UTC));

    @Test
    void givenBalancesInThe32And40ByteLayouts_whenReadByToday_thenEachHoldsItsValuesAndTheOldOneNoRoomKept() {
        assertThat(Balance.fromBytes(fixture("balance-32.hex"))).isEqualTo(UpgradeFixtures.BALANCE_32);
        assertThat(Balance.fromBytes(fixture("balance-40.hex"))).isEqualTo(UpgradeFixtures.BALANCE_40);
    }

    @Test
    void givenReservationsInThe52And60And68ByteLayouts_whenReadByToday_thenEachHoldsItsValuesWithTheLaterFieldsZero() {
        Reservation r52 = Reservation.fromBytes(fixture("reservation-52.hex"));
        Reservation r60 = Reservation.fromBytes(fixture("reservation-60.hex"));
        Reservation r68 = Reservation.fromBytes(fixture("reservation-68.hex"));

        assertThat(r52).isEqualTo(UpgradeFixtures.RESERVATION_52);
        assertThat(r52.isReleased()).isFalse();
        assertThat(r52.remaining()).isEqualTo(500_000);
        assertThat(r60).isEqualTo(UpgradeFixtures.RESERVATION_60);
        assertThat(r60.isClosed()).isTrue();
        assertThat(r68).isEqualTo(UpgradeFixtures.RESERVATION_68);
    }

    @Test
    void givenHoldsInThe29ByteLayout_whenReadByToday_thenStateAndFinalTimeAreKept() {
        assertThat(Hold.fromBytes(fixture("hold-29-open.hex"))).isEqualTo(UpgradeFixtures.HOLD_OPEN);
        assertThat(Hold.fromBytes(fixture("hold-29-confirmed.hex"))).isEqualTo(UpgradeFixtures.HOLD_CONFIRMED);
    }

    @Test
    void givenABalanceKeyRememberedCommandsAndARetiredTrade_whenReadByToday_thenEachHoldsItsValues() {
        RememberedCommand accepted = RememberedCommand.fromBytes(fixture("remembered-command-accepted.hex"));
        RememberedCommand rejected = RememberedCommand.fromBytes(fixture("remembered-command-rejected.hex"));

        assertThat(BalanceKey.fromBytes(fixture("balance-key-13.hex"))).isEqualTo(UpgradeFixtures.BALANCE_KEY);
        // a record with an array component compares its digest by identity: compare field by field
        assertThat(accepted).usingRecursiveComparison().isEqualTo(UpgradeFixtures.COMMAND_ACCEPTED);
        assertThat(rejected).usingRecursiveComparison().isEqualTo(UpgradeFixtures.COMMAND_REJECTED);
        assertThat(RetiredTrade.SERDE.deserializer().deserialize("t", fixture("retired-trade.hex"))).isEqualTo(UpgradeFixtures.RETIRED);
    }

    @Test
    void givenExpiryIndexKeysOverLegacyAndScopedIds_whenReadByToday_thenDueTimeOrderAndIdAreKept() {
        Bytes legacy = Bytes.wrap(fixture("expiry-key-legacy-order.hex"));
        Bytes scoped = Bytes.wrap(fixture("expiry-key-scoped-order.hex"));
        Bytes trade = Bytes.wrap(fixture("expiry-key-trade.hex"));

        assertThat(ExpiryIndex.idOf(legacy)).isEqualTo("o-1");
        assertThat(ExpiryIndex.idOf(scoped)).isEqualTo("ORDER@7/o-1");
        assertThat(ExpiryIndex.idOf(trade)).isEqualTo("tr-1");
        assertThat(legacy).as("the due time leads: what is due by now is one range from the start")
                .isGreaterThan(ExpiryIndex.key(UpgradeFixtures.AT.toEpochMilli(), ""))
                .isLessThan(ExpiryIndex.key(UpgradeFixtures.AT.toEpochMilli() + 1, ""));
    }

    @Test
    void givenStoreKeysOfHoldsAndReservationsBeforeAndAfterIdsWereScoped_whenRead_thenEachIsTheStringItWas() {
        for (Map.Entry<String, String> key : UpgradeFixtures.STORE_KEYS.entrySet()) {
            assertThat(Serdes.String().deserializer().deserialize("t", fixture(key.getKey() + ".hex"))).as(key.getKey())
                    .isEqualTo(key.getValue());
        }
        assertThat(Reservation.keyOf(7, "o-1")).as("today's key of the same order").isEqualTo(UpgradeFixtures.STORE_KEYS.get("key-reservation-scoped"));
    }

    @Test
    void givenTradeStatesOfSchemaVersions1To4_whenReadByToday_thenEachIsTheSameSettledTrade() {
        SingleObjectSerde<TradeState> serde = new SingleObjectSerde<>(TradeState.class);

        for (String version : new String[] {"v1", "v2", "v3"}) {
            assertThat(serde.deserializeWhole("trades-changelog", fixture("trade-state-" + version + ".hex"))).as(version)
                    .isEqualTo(UpgradeFixtures.tradeState());
        }
        assertThat(serde.deserializeWhole("trades-changelog", fixture("trade-state-v4.hex"))).as("v4, chained")
                .isEqualTo(UpgradeFixtures.chainedTradeState());
    }

    @Test
    void givenUntaggedTradeLegsLegResultsAndTradesOfEveryVersion_whenReadInAnUpgradeWindow_thenEachIsReadAndWithoutAWindowRefused() {
        Map<String, Object> expected = Map.of(
                "trade-leg-v1.hex", UpgradeFixtures.legAsV1ReadsToday(),
                "trade-leg-v2.hex", UpgradeFixtures.leg(),
                "leg-result-v1.hex", UpgradeFixtures.legResult(),
                "leg-result-v2.hex", UpgradeFixtures.legResult(),
                "trade-v1.hex", UpgradeFixtures.trade());

        for (Map.Entry<String, Object> file : expected.entrySet()) {
            byte[] bytes = fixture(file.getKey());
            assertThat(internal(file.getKey(), KEYS_IN_WINDOW).deserialize(topicOf(file.getKey()), bytes)).as(file.getKey())
                    .isEqualTo(file.getValue());
            assertThatThrownBy(() -> internal(file.getKey(), KEYS).deserialize(topicOf(file.getKey()), bytes)).as(file.getKey())
                    .isInstanceOf(UnauthenticatedRecordException.class);
        }
    }

    @Test
    void givenTaggedTradeLegLegResultAndTrade_whenReadByToday_thenEachVerifiesAndIsRead() {
        assertThat(internal("trade-leg", KEYS).deserialize(Topics.TRADE_LEGS, fixture("trade-leg-v2-tagged.hex"))).isEqualTo(UpgradeFixtures.leg());
        assertThat(internal("leg-result", KEYS).deserialize(Topics.LEG_RESULTS, fixture("leg-result-v2-tagged.hex")))
                .isEqualTo(UpgradeFixtures.legResult());
        assertThat(internal("trade-v", KEYS).deserialize(UpgradeFixtures.TRADES_BY_ID, fixture("trade-v1-tagged.hex")))
                .isEqualTo(UpgradeFixtures.trade());
        assertThat(internal("trade-leg", KEYS).deserialize(Topics.TRADE_LEGS, fixture("trade-leg-v3-tagged.hex")))
                .isEqualTo(UpgradeFixtures.chainedLeg());
        assertThat(internal("leg-result", KEYS).deserialize(Topics.LEG_RESULTS, fixture("leg-result-v3-tagged.hex")))
                .isEqualTo(UpgradeFixtures.chainEnd());
    }

    private static String topicOf(String file) {
        return file.startsWith("trade-leg") ? Topics.TRADE_LEGS : file.startsWith("leg-result") ? Topics.LEG_RESULTS : UpgradeFixtures.TRADES_BY_ID;
    }

    private static AuthenticatedSerde<?, ?> internal(String file, InternalRecordKeys keys) {
        if (file.startsWith("trade-leg")) {
            return new AuthenticatedSerde<>(new SingleObjectSerde<>(TradeLeg.class), Serdes.Long().serializer(), TradeLeg::getUserId, keys);
        }
        if (file.startsWith("leg-result")) {
            return new AuthenticatedSerde<>(new SingleObjectSerde<>(LegResult.class), Serdes.String().serializer(), LegResult::getTradeId, keys);
        }
        return new AuthenticatedSerde<>(new SingleObjectSerde<>(Trade.class), Serdes.String().serializer(), Trade::getTradeId, keys);
    }

    static byte[] fixture(String name) {
        try (InputStream in = UpgradeFixtureTest.class.getResourceAsStream("/upgrade-fixtures/" + name)) {
            assertThat(in).as("fixture %s", name).isNotNull();
            return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
