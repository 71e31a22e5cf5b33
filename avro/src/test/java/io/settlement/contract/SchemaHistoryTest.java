package io.settlement.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.BalanceEvent;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.LegResult;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeState;
import io.settlement.avro.TransferRequest;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every top-level record written to a topic has a history, its newest entry is the schema the
 * code uses (so a schema change cannot ship without a new history version), and the newest
 * schema reads data written with every older one.
 */
class SchemaHistoryTest {

    static Stream<Class<?>> topicRecords() {
        return Stream.of(BalanceOperation.class, TransferRequest.class, Trade.class, TradeLeg.class,
                LegResult.class, SettlementResult.class, JournalEntry.class, BalanceEvent.class,
                TradeState.class);
    }

    @ParameterizedTest
    @MethodSource("topicRecords")
    void newestHistoryVersionIsTheSchemaTheCodeUses(Class<?> type) {
        Schema current = SpecificData.get().getSchema(type);
        List<Schema> versions = SchemaHistory.versions(current.getFullName());

        assertThat(versions).as("history of %s", current.getFullName()).isNotEmpty();
        assertThat(versions.get(versions.size() - 1)).isEqualTo(current);
    }

    @ParameterizedTest
    @MethodSource("topicRecords")
    void newestSchemaReadsEveryOlderVersion(Class<?> type) {
        Schema current = SpecificData.get().getSchema(type);
        for (Schema older : SchemaHistory.versions(current.getFullName())) {
            SchemaCompatibility.SchemaPairCompatibility compatibility =
                    SchemaCompatibility.checkReaderWriterCompatibility(current, older);
            assertThat(compatibility.getType())
                    .as("%s reading %s: %s", current.getFullName(), older, compatibility.getDescription())
                    .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        }
    }
}
