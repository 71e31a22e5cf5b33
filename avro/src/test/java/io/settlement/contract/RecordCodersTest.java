package io.settlement.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;

import io.settlement.avro.Account;
import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceAfter;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.ChainStep;
import io.settlement.avro.Deposit;
import io.settlement.avro.DepositCancelled;
import io.settlement.avro.DepositConfirmed;
import io.settlement.avro.DepositInitiated;
import io.settlement.avro.OrderClosed;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.OrderReserved;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.WithdrawCancelled;
import io.settlement.avro.WithdrawConfirmed;
import io.settlement.avro.WithdrawRequested;
import io.settlement.avro.Bucket;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.LegPhase;
import io.settlement.avro.LegProgress;
import io.settlement.avro.LegResult;
import io.settlement.avro.Posting;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TradeSide;
import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import io.settlement.avro.Wallet;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * The hand-written coders of the records every command reads or writes (balance operations of
 * every kind, transfer requests, trades, results, journal entries, trade legs and their answers,
 * trade states) write, byte for byte, what Avro's own
 * writer writes for random records (every field drawn: unicode strings, every enum symbol, null
 * and present union branches, empty and longer arrays, extreme longs), and read back both their
 * bytes and Avro's as the same record.
 */
class RecordCodersTest {
    /** Any Unicode text: code points of every plane, never a lone surrogate (which has no UTF-8 form). */
    private static final Gen<String> TEXT = SourceDSL.lists().of(SourceDSL.integers().between(0, 0x10FFFF - 0x800)
                    .map(n -> n < 0xD800 ? n : n + 0x800))
            .ofSizeBetween(0, 12)
            .map(codePoints -> codePoints.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
    private static final Gen<Long> ANY_LONG = SourceDSL.longs().all();
    private static final Gen<Instant> TIME = SourceDSL.longs().between(-62_000_000_000_000L, 250_000_000_000_000L).map(Instant::ofEpochMilli);

    private static final Gen<SettlementResult> RESULTS = TEXT.zip(enumOf(CommandKind.values()), ANY_LONG, enumOf(ResultStatus.values()),
                    (id, kind, user, status) -> new SettlementResult(id, kind, user, status, null, null, Instant.EPOCH, Instant.EPOCH))
            .zip(nullable(enumOf(Reason.values())), nullable(TEXT), TIME, TIME, (r, reason, detail, commandTime, processedAt) -> {
                r.setReason(reason);
                r.setDetail(detail);
                r.setCommandTime(commandTime);
                r.setProcessedAt(processedAt);
                return r;
            });
    private static final Gen<TradeParty> PARTIES = ANY_LONG.zip(nullable(TEXT), ANY_LONG, TradeParty::new);
    private static final Gen<Trade> TRADES = TEXT.zip(TEXT, TEXT, TEXT, (id, symbol, base, quote) -> new Trade(id, symbol, base, quote, 0L, 0L,
                    null, null, Instant.EPOCH))
            .zip(ANY_LONG, ANY_LONG, PARTIES, PARTIES, (t, baseQty, quoteQty, buyer, seller) -> {
                t.setBaseQty(baseQty);
                t.setQuoteQty(quoteQty);
                t.setBuyer(buyer);
                t.setSeller(seller);
                return t;
            })
            .zip(TIME, (t, executedAt) -> {
                t.setExecutedAt(executedAt);
                return t;
            });

    @Test
    void resultsAreWrittenAsAvroWritesThemAndReadBack() {
        qt().withExamples(2_000).forAll(RESULTS).checkAssert(result -> assertSameAsAvro(SettlementResult.class, result));
    }

    @Test
    void journalEntriesAreWrittenAsAvroWritesThemAndReadBack() {
        Gen<Account> accounts = ANY_LONG.zip(enumOf(AccountType.values()), enumOf(Bucket.values()), Account::new);
        Gen<Posting> postings = accounts.zip(accounts, TEXT, SourceDSL.integers().all(), (debit, credit, asset, assetId) ->
                new Posting(debit, credit, asset, assetId, 0L)).zip(ANY_LONG, (posting, amount) -> {
                    posting.setAmount(amount);
                    return posting;
                });
        Gen<BalanceAfter> balances = ANY_LONG.zip(enumOf(Wallet.values()), ANY_LONG, ANY_LONG,
                (user, wallet, available, frozen) -> new BalanceAfter(user, wallet, available, frozen, 0L, 0L))
                .zip(ANY_LONG, ANY_LONG, (balance, pending, seq) -> {
                    balance.setPending(pending);
                    balance.setSeq(seq);
                    return balance;
                });
        Gen<JournalEntry> entries = TEXT.zip(TEXT, enumOf(CommandKind.values()), ANY_LONG,
                        (entryId, commandId, kind, user) -> new JournalEntry(entryId, commandId, kind, user, List.of(), Instant.EPOCH, List.of()))
                .zip(listOf(postings), TIME, listOf(balances), (entry, list, createdAt, after) -> {
                    entry.setPostings(list);
                    entry.setCreatedAt(createdAt);
                    entry.setBalances(after);
                    return entry;
                });
        qt().withExamples(2_000).forAll(entries).checkAssert(entry -> assertSameAsAvro(JournalEntry.class, entry));
    }

    @Test
    void balanceOperationsOfEveryKindAreWrittenAsAvroWritesThemAndReadBack() {
        Gen<Object> operations = SourceDSL.integers().between(0, 9).zip(TEXT, TEXT, ANY_LONG, (kind, id, asset, amount) -> switch (kind) {
            case 0 -> new Deposit(asset, amount);
            case 1 -> new DepositInitiated(id, asset, amount);
            case 2 -> new DepositConfirmed(id);
            case 3 -> new DepositCancelled(id);
            case 4 -> new WithdrawRequested(id, asset, amount);
            case 5 -> new WithdrawConfirmed(id);
            case 6 -> new WithdrawCancelled(id);
            case 7 -> new OrderReserved(id, asset, amount);
            case 8 -> new OrderReleased(id, amount);
            default -> new OrderClosed(id);
        });
        Gen<BalanceOperation> commands = TEXT.zip(ANY_LONG, TIME, operations, BalanceOperation::new);
        qt().withExamples(2_000).forAll(commands).checkAssert(command -> assertSameAsAvro(BalanceOperation.class, command));
    }

    @Test
    void transferRequestsAreWrittenAsAvroWritesThemAndReadBack() {
        Gen<TransferRequest> transfers = TEXT.zip(ANY_LONG, enumOf(Wallet.values()), enumOf(Wallet.values()),
                        (id, user, from, to) -> new TransferRequest(id, user, from, to, "", 0L, Instant.EPOCH))
                .zip(TEXT, ANY_LONG, TIME, (t, asset, amount, createdAt) -> {
                    t.setAsset(asset);
                    t.setAmount(amount);
                    t.setCreatedAt(createdAt);
                    return t;
                });
        qt().withExamples(2_000).forAll(transfers).checkAssert(transfer -> assertSameAsAvro(TransferRequest.class, transfer));
    }

    @Test
    void tradesAreWrittenAsAvroWritesThemAndReadBack() {
        qt().withExamples(2_000).forAll(TRADES).checkAssert(trade -> assertSameAsAvro(Trade.class, trade));
    }

    @Test
    void tradeLegsWithAndWithoutTheirCounterpartAreWrittenAsAvroWritesThemAndReadBack() {
        Gen<TradeLeg> legs = TEXT.zip(ANY_LONG, enumOf(TradeSide.values()), enumOf(LegPhase.values()), (id, user, side, phase) ->
                        new TradeLeg(id, user, side, phase, "", 0L, 0L, null, Instant.EPOCH, "", "", 0L, "", 0L, ChainStep.NONE, null, null,
                                null, null))
                .zip(TEXT, ANY_LONG, ANY_LONG, nullable(TEXT), (l, asset, amount, fee, orderId) -> {
                    l.setAsset(asset);
                    l.setAmount(amount);
                    l.setFee(fee);
                    l.setOrderId(orderId);
                    return l;
                })
                .zip(TIME, TEXT, TEXT, ANY_LONG, (l, createdAt, fingerprint, paidAsset, paidAmount) -> {
                    l.setCreatedAt(createdAt);
                    l.setTradeFingerprint(fingerprint);
                    l.setPaidAsset(paidAsset);
                    l.setPaidAmount(paidAmount);
                    return l;
                })
                .zip(TEXT, ANY_LONG, enumOf(ChainStep.values()), nullable(enumOf(Reason.values())), (l, receivedAsset, net, step, reason) -> {
                    l.setReceivedAsset(receivedAsset);
                    l.setReceivedNet(net);
                    l.setChainStep(step);
                    l.setTradeReason(reason);
                    return l;
                })
                .zip(nullable(TEXT), nullable(TIME), (l, detail, executedAt) -> {
                    l.setTradeDetail(detail);
                    l.setExecutedAt(executedAt);
                    return l;
                });
        Gen<TradeLeg> withCounterparts = legs.zip(nullable(legs), (leg, counterpart) -> {
            leg.setCounterpart(counterpart);
            return leg;
        });
        qt().withExamples(2_000).forAll(withCounterparts).checkAssert(leg -> assertSameAsAvro(TradeLeg.class, leg));
    }

    @Test
    void legResultsAreWrittenAsAvroWritesThemAndReadBack() {
        Gen<LegResult> answers = TEXT.zip(ANY_LONG, enumOf(TradeSide.values()), enumOf(LegPhase.values()), (id, user, side, phase) ->
                        new LegResult(id, user, side, phase, ResultStatus.ACCEPTED, null, null))
                .zip(enumOf(ResultStatus.values()), nullable(enumOf(Reason.values())), nullable(RESULTS), (r, status, reason, result) -> {
                    r.setStatus(status);
                    r.setReason(reason);
                    r.setTradeResult(result);
                    return r;
                });
        qt().withExamples(2_000).forAll(answers).checkAssert(answer -> assertSameAsAvro(LegResult.class, answer));
    }

    @Test
    void tradeStatesAreWrittenAsAvroWritesThemAndReadBack() {
        Gen<LegProgress> progress = enumOf(LegProgress.values());
        Gen<TradeState> states = TRADES.zip(TEXT, enumOf(TradeStatus.values()), nullable(enumOf(Reason.values())), (trade, fingerprint, status, reason) ->
                        new TradeState(trade, fingerprint, status, reason, null, LegProgress.NOT_SENT, LegProgress.NOT_SENT, LegProgress.NOT_SENT,
                                LegProgress.NOT_SENT, LegProgress.NOT_SENT, LegProgress.NOT_SENT, null, List.of(), Instant.EPOCH, Instant.EPOCH,
                                null, false))
                .zip(nullable(TEXT), progress, progress, progress, (s, detail, buyerDebit, sellerDebit, buyerCredit) -> {
                    s.setDetail(detail);
                    s.setBuyerDebit(buyerDebit);
                    s.setSellerDebit(sellerDebit);
                    s.setBuyerCredit(buyerCredit);
                    return s;
                })
                .zip(progress, progress, progress, nullable(RESULTS), (s, sellerCredit, buyerRefund, sellerRefund, result) -> {
                    s.setSellerCredit(sellerCredit);
                    s.setBuyerRefund(buyerRefund);
                    s.setSellerRefund(sellerRefund);
                    s.setResult(result);
                    return s;
                })
                .zip(listOf(RESULTS), TIME, TIME, nullable(TIME), (s, deferred, receivedAt, updatedAt, finishedAt) -> {
                    s.setDeferredConflicts(deferred);
                    s.setReceivedAt(receivedAt);
                    s.setUpdatedAt(updatedAt);
                    s.setFinishedAt(finishedAt);
                    return s;
                })
                .zip(SourceDSL.booleans().all(), (s, chained) -> {
                    s.setChained(chained);
                    return s;
                });
        qt().withExamples(2_000).forAll(states).checkAssert(state -> assertSameAsAvro(TradeState.class, state));
    }

    @Test
    void aBodyNamingAnEnumSymbolOrUnionBranchTheSchemaDoesNotHaveIsRefused() {
        SingleObjectSerde<SettlementResult> serde = new SingleObjectSerde<>(SettlementResult.class);
        byte[] bytes = serde.serialize("t", new SettlementResult("c", CommandKind.DEPOSIT, 1L, ResultStatus.ACCEPTED, null, null,
                Instant.EPOCH, Instant.EPOCH));
        byte[] badKind = bytes.clone();
        badKind[10 + 2] = 0x7e; // after the header and the 1-byte id "c" (length 1): the kind, index 63
        byte[] badBranch = bytes.clone();
        badBranch[10 + 2 + 1 + 1 + 1] = 0x04; // the reason's union branch: 2

        assertThatThrownBy(() -> serde.deserialize("t", badKind)).isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> serde.deserialize("t", badBranch)).isInstanceOf(SerializationException.class);
    }

    private static <T extends SpecificRecord> void assertSameAsAvro(Class<T> type, T record) {
        SingleObjectSerde<T> serde = new SingleObjectSerde<>(type);
        SpecificData model = SpecificData.getForClass(type);
        BinaryMessageEncoder<T> avroWriter = new BinaryMessageEncoder<>(model, model.getSchema(type));
        BinaryMessageDecoder<T> avroReader = new BinaryMessageDecoder<>(model, model.getSchema(type));
        try {
            ByteBuffer avro = avroWriter.encode(record);
            byte[] expected = new byte[avro.remaining()];
            avro.get(expected);
            byte[] ours = serde.serialize("t", record);

            assertThat(ours).as("the bytes of %s", record).isEqualTo(expected);
            assertThat(serde.deserializeWhole("t", ours)).isEqualTo(record);
            assertThat(avroReader.decode(ours)).isEqualTo(record);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static <E> Gen<E> enumOf(E[] symbols) {
        return SourceDSL.integers().between(0, symbols.length - 1).map(i -> symbols[i]);
    }

    private static <E> Gen<E> nullable(Gen<E> gen) {
        return SourceDSL.booleans().all().zip(gen, (present, value) -> present ? value : null);
    }

    private static <E> Gen<List<E>> listOf(Gen<E> item) {
        return SourceDSL.integers().between(0, 4).zip(item, item, item, (n, a, b, c) -> {
            List<E> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                list.add(i % 3 == 0 ? a : i % 3 == 1 ? b : c);
            }
            return list;
        });
    }
}
