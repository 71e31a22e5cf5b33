package io.settlement.sink.tigerbeetle;

import static io.settlement.sink.tigerbeetle.Journal.BTC;
import static io.settlement.sink.tigerbeetle.Journal.USDT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tigerbeetle.AccountBatch;
import com.tigerbeetle.AccountFlags;
import com.tigerbeetle.TransferBatch;
import com.tigerbeetle.TransferFlags;
import io.settlement.avro.AccountType;
import io.settlement.avro.Bucket;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LedgerMappingTest {
    static final long ALICE = 7;

    record Leg(LedgerAccountKey debit, LedgerAccountKey credit, long amount) {}

    static LedgerAccountKey userKey(AccountType wallet, int asset, Bucket bucket) {
        return new LedgerAccountKey(ALICE, wallet, asset, bucket);
    }

    static LedgerAccountKey systemKey(AccountType type, int asset) {
        return new LedgerAccountKey(0, type, asset, Bucket.AVAILABLE);
    }

    /** Every kind of entry the journal can contain, with the transfers it must become. */
    static Stream<Arguments> everyEntryKind() {
        LedgerAccountKey external = systemKey(AccountType.EXTERNAL, BTC);
        LedgerAccountKey fundingAvailable = userKey(AccountType.FUNDING, BTC, Bucket.AVAILABLE);
        LedgerAccountKey fundingFrozen = userKey(AccountType.FUNDING, BTC, Bucket.FROZEN);
        LedgerAccountKey fundingPending = userKey(AccountType.FUNDING, BTC, Bucket.PENDING);
        LedgerAccountKey spotAvailable = userKey(AccountType.SPOT, BTC, Bucket.AVAILABLE);
        LedgerAccountKey spotFrozen = userKey(AccountType.SPOT, BTC, Bucket.FROZEN);
        LedgerAccountKey clearing = systemKey(AccountType.CLEARING, BTC);
        LedgerAccountKey fees = systemKey(AccountType.FEES, BTC);
        return Stream.of(
                Arguments.of(Journal.deposit("d1", ALICE, BTC, 100), 10, List.of(new Leg(external, fundingAvailable, 100))),
                Arguments.of(Journal.depositInitiated("d2", ALICE, BTC, 100), 11, List.of(new Leg(external, fundingPending, 100))),
                Arguments.of(Journal.depositConfirmed("d3", ALICE, BTC, 100), 12, List.of(new Leg(fundingPending, fundingAvailable, 100))),
                Arguments.of(Journal.depositCancelled("d4", ALICE, BTC, 100), 13, List.of(new Leg(fundingPending, external, 100))),
                Arguments.of(Journal.withdrawRequested("w1", ALICE, BTC, 40), 20, List.of(new Leg(fundingAvailable, fundingFrozen, 40))),
                Arguments.of(Journal.withdrawConfirmed("w2", ALICE, BTC, 40), 21, List.of(new Leg(fundingFrozen, external, 40))),
                Arguments.of(Journal.withdrawCancelled("w3", ALICE, BTC, 40), 22, List.of(new Leg(fundingFrozen, fundingAvailable, 40))),
                Arguments.of(Journal.orderReserved("o1", ALICE, BTC, 30), 30, List.of(new Leg(spotAvailable, spotFrozen, 30))),
                Arguments.of(Journal.orderReleased("o2", ALICE, BTC, 30), 31, List.of(new Leg(spotFrozen, spotAvailable, 30))),
                Arguments.of(Journal.transfer("t1", ALICE, AccountType.FUNDING, AccountType.SPOT, BTC, 25), 40,
                        List.of(new Leg(fundingAvailable, spotAvailable, 25))),
                Arguments.of(Journal.tradeDebit("x1", "SELLER", ALICE, BTC, 30, true), 50, List.of(new Leg(spotFrozen, clearing, 30))),
                Arguments.of(Journal.tradeDebit("x2", "SELLER", ALICE, BTC, 30, false), 50, List.of(new Leg(spotAvailable, clearing, 30))),
                Arguments.of(Journal.tradeCredit("x3", "BUYER", ALICE, BTC, 30, 2), 50,
                        List.of(new Leg(clearing, spotAvailable, 28), new Leg(clearing, fees, 2))),
                Arguments.of(Journal.tradeCredit("x4", "BUYER", ALICE, BTC, 30, 0), 50, List.of(new Leg(clearing, spotAvailable, 30))),
                Arguments.of(Journal.tradeRefund("x5", "SELLER", ALICE, BTC, 30), 50, List.of(new Leg(clearing, spotAvailable, 30))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyEntryKind")
    void everyEntryKindBecomesOneClosedChainOfTransfersOnTheAssetLedger(JournalEntry entry, int code, List<Leg> legs) {
        // given an entry the topology journals
        // when it is mapped and written into a real TigerBeetle request batch
        TransferBatch batch = LedgerMapping.transferBatch(List.of(LedgerMapping.map(entry)));

        // then the batch holds one transfer per posting, linked but for the last, on the asset's ledger
        assertThat(batch.getLength()).isEqualTo(legs.size());
        batch.beforeFirst();
        int i = 0;
        while (batch.next()) {
            Leg leg = legs.get(i);
            assertThat(LedgerId.of(batch.getDebitAccountId())).isEqualTo(LedgerMapping.accountId(leg.debit()));
            assertThat(LedgerId.of(batch.getCreditAccountId())).isEqualTo(LedgerMapping.accountId(leg.credit()));
            assertThat(batch.getAmount()).isEqualTo(BigInteger.valueOf(leg.amount()));
            assertThat(batch.getLedger()).isEqualTo(BTC);
            assertThat(batch.getCode()).isEqualTo(code);
            boolean last = i == legs.size() - 1;
            assertThat(TransferFlags.hasLinked(batch.getFlags())).as("linked flag of transfer %d", i).isEqualTo(!last);
            assertThat(batch.getFlags() & ~TransferFlags.LINKED).as("no other flag").isZero();
            assertThat(LedgerId.of(batch.getId())).isEqualTo(LedgerMapping.transferId(entry.getEntryId(), i));
            assertThat(LedgerId.of(batch.getUserData128())).isEqualTo(LedgerMapping.entryRef(entry.getEntryId()));
            assertThat(batch.getUserData64()).isEqualTo(ALICE);
            assertThat(batch.getUserData32()).isEqualTo(i);
            assertThat(batch.getTimestamp()).as("TigerBeetle sets timestamps").isZero();
            assertThat(batch.getPendingId()).as("no pending transfers").isEqualTo(new byte[16]);
            i++;
        }
    }

    @Test
    void aReplayedBatchMapsToIdenticalTransfers() {
        // given a mixed batch of entries
        List<JournalEntry> entries = everyEntryKind().map(arguments -> (JournalEntry) arguments.get()[0]).toList();

        // when the same journal is mapped twice (a replay after a restart)
        TransferBatch first = LedgerMapping.transferBatch(entries.stream().map(LedgerMapping::map).toList());
        TransferBatch replay = LedgerMapping.transferBatch(entries.stream().map(LedgerMapping::map).toList());

        // then every transfer is identical, id included, field by field
        assertThat(replay.getLength()).isEqualTo(first.getLength()).isGreaterThan(entries.size());
        first.beforeFirst();
        replay.beforeFirst();
        Set<LedgerId> ids = new HashSet<>();
        while (first.next() && replay.next()) {
            assertThat(replay.getId()).isEqualTo(first.getId());
            assertThat(replay.getDebitAccountId()).isEqualTo(first.getDebitAccountId());
            assertThat(replay.getCreditAccountId()).isEqualTo(first.getCreditAccountId());
            assertThat(replay.getAmount()).isEqualTo(first.getAmount());
            assertThat(replay.getFlags()).isEqualTo(first.getFlags());
            assertThat(replay.getCode()).isEqualTo(first.getCode());
            assertThat(replay.getUserData128()).isEqualTo(first.getUserData128());
            ids.add(LedgerId.of(first.getId()));
        }
        // and no two transfers share an id
        assertThat(ids).hasSize(first.getLength());
    }

    @Test
    void transferIdsDependOnEntryIdAndPostingIndexOnly() {
        // given the same entry id with other content (created_at, amount)
        JournalEntry entry = Journal.tradeCredit("x9", "BUYER", ALICE, BTC, 30, 2);
        JournalEntry sameId = Journal.tradeCredit("x9", "BUYER", ALICE, BTC, 99, 9);
        sameId.setCreatedAt(Journal.AT.plusSeconds(60));

        // when both are mapped
        MappedEntry a = LedgerMapping.map(entry);
        MappedEntry b = LedgerMapping.map(sameId);

        // then ids match per index (TigerBeetle would answer exists_with_different_amount), and differ between indexes and entries
        assertThat(b.chain().get(0).id()).isEqualTo(a.chain().get(0).id());
        assertThat(b.chain().get(1).id()).isEqualTo(a.chain().get(1).id());
        assertThat(a.chain().get(0).id()).isNotEqualTo(a.chain().get(1).id());
        assertThat(LedgerMapping.map(Journal.tradeCredit("x9", "SELLER", ALICE, BTC, 30, 2)).chain().get(0).id())
                .isNotEqualTo(a.chain().get(0).id());
        assertThat(LedgerMapping.transferId("DEPOSIT:1", 0)).isNotEqualTo(LedgerMapping.transferId("INTERNAL_TRANSFER:1", 0));
    }

    @Test
    void userAccountsMustNotOverdrawAndSystemAccountsMay() {
        // given an entry touching user and system accounts
        MappedEntry credit = LedgerMapping.map(Journal.tradeCredit("x1", "BUYER", ALICE, USDT, 100, 1));
        MappedEntry deposit = LedgerMapping.map(Journal.deposit("d1", ALICE, USDT, 100));
        List<LedgerAccount> accounts = new ArrayList<>(credit.accounts());
        accounts.addAll(deposit.accounts());

        // when the accounts are written into a real create_accounts batch
        AccountBatch batch = LedgerMapping.accountBatch(accounts);

        // then user accounts carry debits_must_not_exceed_credits, CLEARING, FEES and EXTERNAL carry no flag
        batch.beforeFirst();
        int users = 0;
        int systems = 0;
        while (batch.next()) {
            LedgerAccount account = accounts.get(batch.getPosition());
            assertThat(LedgerId.of(batch.getId())).isEqualTo(account.id());
            assertThat(batch.getLedger()).isEqualTo(USDT);
            assertThat(batch.getUserData64()).isEqualTo(account.key().ownerId());
            assertThat(batch.getUserData32()).isEqualTo(USDT);
            assertThat(batch.getCode()).isEqualTo(LedgerMapping.accountCode(account.key().type(), account.key().bucket()));
            if (account.key().isSystem()) {
                systems++;
                assertThat(batch.getFlags()).as(account.key().toString()).isEqualTo(AccountFlags.NONE);
            } else {
                users++;
                assertThat(batch.getFlags()).as(account.key().toString()).isEqualTo(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS);
            }
        }
        assertThat(users).isEqualTo(2);
        assertThat(systems).isEqualTo(3);
    }

    @Test
    void accountIdsAreDistinctPerOwnerTypeAssetAndBucketAndReadable() {
        // given every combination of a few owners, all types, two assets and all buckets
        Set<LedgerId> ids = new HashSet<>();
        int combinations = 0;
        for (long owner : new long[] {0, 1, 7, Long.MAX_VALUE}) {
            for (AccountType type : AccountType.values()) {
                for (int asset : new int[] {1, 2, Integer.MAX_VALUE}) {
                    for (Bucket bucket : Bucket.values()) {
                        // when each is given an id
                        LedgerId id = LedgerMapping.accountId(new LedgerAccountKey(owner, type, asset, bucket));
                        ids.add(id);
                        combinations++;
                        // then the owner is the high half and the asset the top of the low half
                        assertThat(id.mostSignificant()).isEqualTo(owner);
                        assertThat((int) (id.leastSignificant() >>> 32)).isEqualTo(asset);
                    }
                }
            }
        }
        // and no two accounts share an id
        assertThat(ids).hasSize(combinations);
        assertThat(LedgerMapping.accountId(systemKey(AccountType.EXTERNAL, BTC)))
                .isEqualTo(LedgerMapping.accountId(systemKey(AccountType.EXTERNAL, BTC)));
    }

    @Test
    void everyCommandKindHasItsOwnNonZeroCode() {
        // when every kind is given a code
        int[] codes = Arrays.stream(CommandKind.values()).mapToInt(LedgerMapping::transferCode).toArray();

        // then codes are distinct, non-zero and fit TigerBeetle's u16
        assertThat(Arrays.stream(codes).distinct().count()).isEqualTo(CommandKind.values().length);
        assertThat(Arrays.stream(codes).boxed().toList()).allMatch(code -> code > 0 && code <= 0xFFFF);
    }

    @Test
    void entriesTheLedgerCannotTakeAreProblemsNotTransfers() {
        // given entries the topology must never journal
        JournalEntry zero = Journal.deposit("z", ALICE, BTC, 0);
        JournalEntry noPostings = Journal.entry(CommandKind.DEPOSIT, "n", ALICE);
        JournalEntry systemWithOwner = Journal.entry(CommandKind.DEPOSIT, "s", ALICE,
                Journal.posting(new io.settlement.avro.Account(5L, AccountType.EXTERNAL, Bucket.AVAILABLE),
                        Journal.user(ALICE, AccountType.FUNDING, Bucket.AVAILABLE), BTC, 1));
        JournalEntry sameAccount = Journal.entry(CommandKind.DEPOSIT, "a", ALICE,
                Journal.posting(Journal.user(ALICE, AccountType.FUNDING, Bucket.AVAILABLE),
                        Journal.user(ALICE, AccountType.FUNDING, Bucket.AVAILABLE), BTC, 1));
        JournalEntry userWithoutOwner = Journal.deposit("u", 0, BTC, 1);
        JournalEntry noLedger = Journal.deposit("l", ALICE, 0, 1);

        // then each has a problem, and mapping it anyway is a programmer error
        for (JournalEntry entry : List.of(zero, noPostings, systemWithOwner, sameAccount, userWithoutOwner, noLedger)) {
            assertThat(LedgerMapping.problem(entry)).as(entry.getEntryId()).isPresent();
            assertThatThrownBy(() -> LedgerMapping.map(entry)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(LedgerMapping.problem(Journal.deposit("ok", ALICE, BTC, 1))).isEmpty();
    }
}
