package io.settlement.sink.tigerbeetle;

import static io.settlement.sink.tigerbeetle.Journal.BTC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tigerbeetle.CreateTransferResult;
import io.settlement.sink.tigerbeetle.EntryOutcome.Status;
import io.settlement.sink.tigerbeetle.LedgerClient.TransferError;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransferResultsTest {
    static final long ALICE = 7;
    static final long BOB = 8;

    static List<MappedEntry> threeEntries() {
        return List.of(
                LedgerMapping.map(Journal.deposit("d1", ALICE, BTC, 100)),                  // event 0
                LedgerMapping.map(Journal.tradeCredit("x1", "BUYER", BOB, BTC, 30, 2)),     // events 1, 2
                LedgerMapping.map(Journal.deposit("d2", BOB, BTC, 50)));                    // event 3
    }

    @Test
    void noErrorsMeansEveryEntryWasApplied() {
        // when TigerBeetle answers with no failures
        List<EntryOutcome> outcomes = TransferResults.attribute(threeEntries(), List.of());

        // then all three are applied
        assertThat(outcomes).extracting(EntryOutcome::status).containsExactly(Status.APPLIED, Status.APPLIED, Status.APPLIED);
    }

    @Test
    void existsOnTheFirstTransferOfEachChainIsAReplayAndCountsAsDone() {
        // given TigerBeetle's answer to a replayed request: exists first, the rest of a chain linked_event_failed
        List<TransferError> replay = List.of(
                new TransferError(0, CreateTransferResult.Exists),
                new TransferError(1, CreateTransferResult.Exists),
                new TransferError(2, CreateTransferResult.LinkedEventFailed),
                new TransferError(3, CreateTransferResult.Exists));

        // when attributed
        List<EntryOutcome> outcomes = TransferResults.attribute(threeEntries(), replay);

        // then every entry was already applied
        assertThat(outcomes).extracting(EntryOutcome::status)
                .containsExactly(Status.ALREADY_APPLIED, Status.ALREADY_APPLIED, Status.ALREADY_APPLIED);
    }

    @Test
    void aFailureInTheMiddleIsAttributedToItsEntryOnly() {
        // given the second entry's chain failed on its second transfer (the first rolled back)
        List<TransferError> partial = List.of(
                new TransferError(1, CreateTransferResult.LinkedEventFailed),
                new TransferError(2, CreateTransferResult.ExceedsCredits));

        // when attributed
        List<EntryOutcome> outcomes = TransferResults.attribute(threeEntries(), partial);

        // then entries 1 and 3 were applied and entry 2 disagrees, naming the posting and the cause
        assertThat(outcomes).extracting(EntryOutcome::status).containsExactly(Status.APPLIED, Status.DISAGREES, Status.APPLIED);
        assertThat(outcomes.get(1).detail()).isEqualTo("posting 1: ExceedsCredits");
    }

    @Test
    void everyResultButOkAndExistsMeansTheLedgersDisagree() {
        for (CreateTransferResult result : CreateTransferResult.values()) {
            if (result == CreateTransferResult.Ok || result == CreateTransferResult.Exists) {
                continue;
            }
            // given a single-transfer entry answered with this result
            List<MappedEntry> one = List.of(LedgerMapping.map(Journal.deposit("d1", ALICE, BTC, 100)));

            // when attributed
            EntryOutcome outcome = TransferResults.attribute(one, List.of(new TransferError(0, result))).get(0);

            // then the ledgers disagree
            assertThat(outcome.status()).as(result.toString()).isEqualTo(Status.DISAGREES);
        }
    }

    @Test
    void existsWithDifferentContentOrExistsLaterInTheChainIsADisagreement() {
        // given a chain whose first transfer exists with another amount, and one whose second alone exists
        EntryOutcome different = TransferResults.classify(List.of(CreateTransferResult.ExistsWithDifferentAmount,
                CreateTransferResult.LinkedEventFailed));
        EntryOutcome existsLater = TransferResults.classify(List.of(CreateTransferResult.LinkedEventFailed,
                CreateTransferResult.Exists));

        // then neither is a replay
        assertThat(different.status()).isEqualTo(Status.DISAGREES);
        assertThat(existsLater.status()).isEqualTo(Status.DISAGREES);
        assertThat(existsLater.detail()).isEqualTo("posting 1: Exists");
    }

    @Test
    void anAnswerForAnEventNotInTheRequestIsABug() {
        assertThatThrownBy(() -> TransferResults.attribute(threeEntries(),
                List.of(new TransferError(4, CreateTransferResult.Exists))))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theFakeLedgerAnswersAReplayTheWayTheAttributionExpects() {
        // given a fake TigerBeetle that has applied a request
        FakeLedger ledger = new FakeLedger();
        List<MappedEntry> entries = threeEntries();
        ledger.createAccounts(LedgerMapping.accountBatch(entries.stream().flatMap(e -> e.accounts().stream()).distinct().toList()));
        ledger.createTransfers(LedgerMapping.transferBatch(List.of(
                LedgerMapping.map(Journal.tradeDebit("x1", "SELLER", ALICE, BTC, 30, false)))));
        assertThat(TransferResults.attribute(entries, ledger.createTransfers(LedgerMapping.transferBatch(entries))))
                .extracting(EntryOutcome::status).containsOnly(Status.APPLIED);

        // when the same request is sent again
        List<EntryOutcome> again = TransferResults.attribute(entries, ledger.createTransfers(LedgerMapping.transferBatch(entries)));

        // then every entry is already applied and nothing moved twice
        assertThat(again).extracting(EntryOutcome::status).containsOnly(Status.ALREADY_APPLIED);
        assertThat(ledger.transferCount()).isEqualTo(4);
    }
}
