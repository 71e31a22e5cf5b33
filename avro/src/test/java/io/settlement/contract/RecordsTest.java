package io.settlement.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.ChainStep;
import io.settlement.avro.LegPhase;
import io.settlement.avro.Reason;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeSide;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RecordsTest {
    private static final Instant CREATED = Instant.parse("2026-12-07T10:00:00.123Z");

    @BeforeAll
    static void trustTheContract() {
        // Avro's deep copy, which the first test compares with, reads only trusted classes
        TrustedContract.install();
    }

    @Test
    void aCopyHasEveryFieldAsAvrosBuilderCopiesIt() {
        // given a leg whose every field is set, none to its default
        TradeLeg leg = leg(TradeSide.BUYER, 1L);
        leg.setCounterpart(leg(TradeSide.SELLER, 2L));

        // when it is copied
        TradeLeg copy = Records.copyOf(leg);

        // then the copy is another record with the same fields, as equal as Avro's own deep copy
        assertThat(copy).isNotSameAs(leg).isEqualTo(leg).isEqualTo(TradeLeg.newBuilder(leg).build());
        assertThat(copy.getSchema()).isSameAs(leg.getSchema());
    }

    @Test
    void aCopyChangesWithoutItsRecordAndSharesTheNestedOnes() {
        // given a leg and its copy
        TradeLeg counterpart = leg(TradeSide.SELLER, 2L);
        TradeLeg leg = leg(TradeSide.BUYER, 1L);
        leg.setCounterpart(counterpart);
        TradeLeg copy = Records.copyOf(leg);

        // when the copy's fields are set
        copy.setAmount(7L);
        copy.setPhase(LegPhase.CREDIT);
        copy.setCounterpart(null);

        // then the record is as it was, its nested record the very one it had (shared, not copied)
        assertThat(leg.getAmount()).isEqualTo(1_000L);
        assertThat(leg.getPhase()).isEqualTo(LegPhase.DEBIT);
        assertThat(leg.getCounterpart()).isSameAs(counterpart);
        assertThat(Records.copyOf(leg).getCounterpart()).isSameAs(counterpart);
    }

    private static TradeLeg leg(TradeSide side, long user) {
        return new TradeLeg("t-1", user, side, LegPhase.DEBIT, "USDT", 1_000L, 3L, "o-" + user, CREATED, "fp", "USDT", 1_000L, "BTC", 97L,
                ChainStep.FIRST, null, Reason.INSUFFICIENT_AVAILABLE, "detail", CREATED.plusSeconds(1));
    }
}
