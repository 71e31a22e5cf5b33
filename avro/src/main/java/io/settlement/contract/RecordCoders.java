package io.settlement.contract;

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
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.avro.WithdrawCancelled;
import io.settlement.avro.WithdrawConfirmed;
import io.settlement.avro.WithdrawRequested;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.Encoder;

/**
 * Hand-written Avro binary coders of the records every command reads or writes: the
 * {@link BalanceOperation}, {@link TransferRequest} or {@link Trade} it arrives as, its
 * {@link SettlementResult} and its {@link JournalEntry}, and a trade's {@link TradeLeg}s,
 * {@link LegResult}s and {@link TradeState}. Avro generates such coders only for
 * records without logical types, and these have {@code timestamp-millis} fields, so Avro writes
 * and reads them through its generic, per-field resolving path. Each coder writes exactly the
 * bytes Avro's writer writes for the record's current schema, and reads what it writes
 * ({@code RecordCodersTest} checks both against Avro for random records); records of older
 * schema versions are still read by Avro's resolving reader ({@link SingleObjectSerde}).
 */
final class RecordCoders {
    /** Encodes a record's body (no single-object header) and decodes one written with its current schema. */
    interface RecordCoder<T> {
        void encode(T record, Encoder out) throws IOException;

        T decode(Decoder in) throws IOException;
    }

    private static final ResultCoder RESULT = new ResultCoder();
    private static final TradeCoder TRADE = new TradeCoder();

    private static final Map<Class<?>, RecordCoder<?>> CODERS = Map.of(
            SettlementResult.class, RESULT,
            JournalEntry.class, new JournalCoder(),
            BalanceOperation.class, new OperationCoder(),
            TransferRequest.class, new TransferCoder(),
            Trade.class, TRADE,
            TradeLeg.class, new LegCoder(),
            LegResult.class, new LegResultCoder(),
            TradeState.class, new TradeStateCoder());

    private static final CommandKind[] KINDS = CommandKind.values();
    private static final ResultStatus[] STATUSES = ResultStatus.values();
    private static final Reason[] REASONS = Reason.values();
    private static final AccountType[] ACCOUNT_TYPES = AccountType.values();
    private static final Bucket[] BUCKETS = Bucket.values();
    private static final Wallet[] WALLETS = Wallet.values();
    private static final TradeSide[] SIDES = TradeSide.values();
    private static final LegPhase[] PHASES = LegPhase.values();
    private static final ChainStep[] CHAIN_STEPS = ChainStep.values();
    private static final TradeStatus[] TRADE_STATUSES = TradeStatus.values();
    private static final LegProgress[] PROGRESS = LegProgress.values();

    private RecordCoders() {}

    /** The hand-written coder of {@code type}, if it has one. */
    @SuppressWarnings("unchecked")
    static <T> Optional<RecordCoder<T>> of(Class<T> type) {
        return Optional.ofNullable((RecordCoder<T>) CODERS.get(type));
    }

    private static final class ResultCoder implements RecordCoder<SettlementResult> {
        @Override
        public void encode(SettlementResult r, Encoder out) throws IOException {
            out.writeString(r.getCommandId());
            out.writeEnum(r.getKind().ordinal());
            out.writeLong(r.getUserId());
            out.writeEnum(r.getStatus().ordinal());
            writeOptionalEnum(out, r.getReason());
            writeOptionalString(out, r.getDetail());
            out.writeLong(r.getCommandTime().toEpochMilli());
            out.writeLong(r.getProcessedAt().toEpochMilli());
        }

        @Override
        public SettlementResult decode(Decoder in) throws IOException {
            String commandId = in.readString();
            CommandKind kind = KINDS[in.readEnum()];
            long userId = in.readLong();
            ResultStatus status = STATUSES[in.readEnum()];
            Reason reason = isPresent(in) ? REASONS[in.readEnum()] : null;
            String detail = isPresent(in) ? in.readString() : null;
            Instant commandTime = Instant.ofEpochMilli(in.readLong());
            Instant processedAt = Instant.ofEpochMilli(in.readLong());
            return new SettlementResult(commandId, kind, userId, status, reason, detail, commandTime, processedAt);
        }
    }

    private static final class JournalCoder implements RecordCoder<JournalEntry> {
        @Override
        public void encode(JournalEntry e, Encoder out) throws IOException {
            out.writeString(e.getEntryId());
            out.writeString(e.getCommandId());
            out.writeEnum(e.getKind().ordinal());
            out.writeLong(e.getUserId());
            List<Posting> postings = e.getPostings();
            out.writeArrayStart();
            out.setItemCount(postings.size());
            for (Posting posting : postings) {
                out.startItem();
                writeAccount(out, posting.getDebit());
                writeAccount(out, posting.getCredit());
                out.writeString(posting.getAsset());
                out.writeInt(posting.getAssetId());
                out.writeLong(posting.getAmount());
            }
            out.writeArrayEnd();
            out.writeLong(e.getCreatedAt().toEpochMilli());
            List<BalanceAfter> balances = e.getBalances();
            out.writeArrayStart();
            out.setItemCount(balances.size());
            for (BalanceAfter balance : balances) {
                out.startItem();
                out.writeLong(balance.getUserId());
                out.writeEnum(balance.getWallet().ordinal());
                out.writeLong(balance.getAvailable());
                out.writeLong(balance.getFrozen());
                out.writeLong(balance.getPending());
                out.writeLong(balance.getSeq());
            }
            out.writeArrayEnd();
        }

        @Override
        public JournalEntry decode(Decoder in) throws IOException {
            String entryId = in.readString();
            String commandId = in.readString();
            CommandKind kind = KINDS[in.readEnum()];
            long userId = in.readLong();
            List<Posting> postings = new ArrayList<>();
            for (long block = in.readArrayStart(); block != 0; block = in.arrayNext()) {
                for (long i = 0; i < block; i++) {
                    Account debit = readAccount(in);
                    Account credit = readAccount(in);
                    postings.add(new Posting(debit, credit, in.readString(), in.readInt(), in.readLong()));
                }
            }
            Instant createdAt = Instant.ofEpochMilli(in.readLong());
            List<BalanceAfter> balances = new ArrayList<>();
            for (long block = in.readArrayStart(); block != 0; block = in.arrayNext()) {
                for (long i = 0; i < block; i++) {
                    balances.add(new BalanceAfter(in.readLong(), WALLETS[in.readEnum()], in.readLong(), in.readLong(), in.readLong(),
                            in.readLong()));
                }
            }
            return new JournalEntry(entryId, commandId, kind, userId, postings, createdAt, balances);
        }
    }

    /** The operation's union branches, in the schema's order. */
    private static final class OperationCoder implements RecordCoder<BalanceOperation> {
        @Override
        public void encode(BalanceOperation o, Encoder out) throws IOException {
            out.writeString(o.getCommandId());
            out.writeLong(o.getUserId());
            out.writeLong(o.getCreatedAt().toEpochMilli());
            Object op = o.getOperation();
            if (op instanceof Deposit x) {
                out.writeIndex(0);
                out.writeString(x.getAsset());
                out.writeLong(x.getAmount());
            } else if (op instanceof DepositInitiated x) {
                out.writeIndex(1);
                out.writeString(x.getDepositId());
                out.writeString(x.getAsset());
                out.writeLong(x.getAmount());
            } else if (op instanceof DepositConfirmed x) {
                out.writeIndex(2);
                out.writeString(x.getDepositId());
            } else if (op instanceof DepositCancelled x) {
                out.writeIndex(3);
                out.writeString(x.getDepositId());
            } else if (op instanceof WithdrawRequested x) {
                out.writeIndex(4);
                out.writeString(x.getWithdrawalId());
                out.writeString(x.getAsset());
                out.writeLong(x.getAmount());
            } else if (op instanceof WithdrawConfirmed x) {
                out.writeIndex(5);
                out.writeString(x.getWithdrawalId());
            } else if (op instanceof WithdrawCancelled x) {
                out.writeIndex(6);
                out.writeString(x.getWithdrawalId());
            } else if (op instanceof OrderReserved x) {
                out.writeIndex(7);
                out.writeString(x.getOrderId());
                out.writeString(x.getAsset());
                out.writeLong(x.getAmount());
            } else if (op instanceof OrderReleased x) {
                out.writeIndex(8);
                out.writeString(x.getOrderId());
                out.writeLong(x.getFilledTotal());
            } else if (op instanceof OrderClosed x) {
                out.writeIndex(9);
                out.writeString(x.getOrderId());
            } else {
                throw new AvroRuntimeException("not a balance operation: " + (op == null ? null : op.getClass()));
            }
        }

        @Override
        public BalanceOperation decode(Decoder in) throws IOException {
            String commandId = in.readString();
            long userId = in.readLong();
            Instant createdAt = Instant.ofEpochMilli(in.readLong());
            int branch = in.readIndex();
            Object op = switch (branch) {
                case 0 -> new Deposit(in.readString(), in.readLong());
                case 1 -> new DepositInitiated(in.readString(), in.readString(), in.readLong());
                case 2 -> new DepositConfirmed(in.readString());
                case 3 -> new DepositCancelled(in.readString());
                case 4 -> new WithdrawRequested(in.readString(), in.readString(), in.readLong());
                case 5 -> new WithdrawConfirmed(in.readString());
                case 6 -> new WithdrawCancelled(in.readString());
                case 7 -> new OrderReserved(in.readString(), in.readString(), in.readLong());
                case 8 -> new OrderReleased(in.readString(), in.readLong());
                case 9 -> new OrderClosed(in.readString());
                default -> throw new AvroRuntimeException("union branch " + branch + " of the balance operation");
            };
            return new BalanceOperation(commandId, userId, createdAt, op);
        }
    }

    private static final class TransferCoder implements RecordCoder<TransferRequest> {
        @Override
        public void encode(TransferRequest t, Encoder out) throws IOException {
            out.writeString(t.getRequestId());
            out.writeLong(t.getUserId());
            out.writeEnum(t.getFromWallet().ordinal());
            out.writeEnum(t.getToWallet().ordinal());
            out.writeString(t.getAsset());
            out.writeLong(t.getAmount());
            out.writeLong(t.getCreatedAt().toEpochMilli());
        }

        @Override
        public TransferRequest decode(Decoder in) throws IOException {
            return new TransferRequest(in.readString(), in.readLong(), WALLETS[in.readEnum()], WALLETS[in.readEnum()], in.readString(),
                    in.readLong(), Instant.ofEpochMilli(in.readLong()));
        }
    }

    private static final class TradeCoder implements RecordCoder<Trade> {
        @Override
        public void encode(Trade t, Encoder out) throws IOException {
            out.writeString(t.getTradeId());
            out.writeString(t.getSymbol());
            out.writeString(t.getBaseAsset());
            out.writeString(t.getQuoteAsset());
            out.writeLong(t.getBaseQty());
            out.writeLong(t.getQuoteQty());
            writeParty(out, t.getBuyer());
            writeParty(out, t.getSeller());
            out.writeLong(t.getExecutedAt().toEpochMilli());
        }

        @Override
        public Trade decode(Decoder in) throws IOException {
            return new Trade(in.readString(), in.readString(), in.readString(), in.readString(), in.readLong(), in.readLong(),
                    readParty(in), readParty(in), Instant.ofEpochMilli(in.readLong()));
        }

        private static void writeParty(Encoder out, TradeParty party) throws IOException {
            out.writeLong(party.getUserId());
            writeOptionalString(out, party.getOrderId());
            out.writeLong(party.getFee());
        }

        private static TradeParty readParty(Decoder in) throws IOException {
            return new TradeParty(in.readLong(), isPresent(in) ? in.readString() : null, in.readLong());
        }
    }

    /** A leg carries its counterpart (a leg too, so the coder recurses). */
    private static final class LegCoder implements RecordCoder<TradeLeg> {
        @Override
        public void encode(TradeLeg l, Encoder out) throws IOException {
            out.writeString(l.getTradeId());
            out.writeLong(l.getUserId());
            out.writeEnum(l.getSide().ordinal());
            out.writeEnum(l.getPhase().ordinal());
            out.writeString(l.getAsset());
            out.writeLong(l.getAmount());
            out.writeLong(l.getFee());
            writeOptionalString(out, l.getOrderId());
            out.writeLong(l.getCreatedAt().toEpochMilli());
            out.writeString(l.getTradeFingerprint());
            out.writeString(l.getPaidAsset());
            out.writeLong(l.getPaidAmount());
            out.writeString(l.getReceivedAsset());
            out.writeLong(l.getReceivedNet());
            out.writeEnum(l.getChainStep().ordinal());
            writeOptional(out, l.getCounterpart(), (o, counterpart) -> encode(counterpart, o));
            writeOptionalEnum(out, l.getTradeReason());
            writeOptionalString(out, l.getTradeDetail());
            writeOptionalInstant(out, l.getExecutedAt());
        }

        @Override
        public TradeLeg decode(Decoder in) throws IOException {
            String tradeId = in.readString();
            long userId = in.readLong();
            TradeSide side = SIDES[in.readEnum()];
            LegPhase phase = PHASES[in.readEnum()];
            String asset = in.readString();
            long amount = in.readLong();
            long fee = in.readLong();
            String orderId = isPresent(in) ? in.readString() : null;
            Instant createdAt = Instant.ofEpochMilli(in.readLong());
            String fingerprint = in.readString();
            String paidAsset = in.readString();
            long paidAmount = in.readLong();
            String receivedAsset = in.readString();
            long receivedNet = in.readLong();
            ChainStep step = CHAIN_STEPS[in.readEnum()];
            TradeLeg counterpart = isPresent(in) ? decode(in) : null;
            Reason reason = isPresent(in) ? REASONS[in.readEnum()] : null;
            String detail = isPresent(in) ? in.readString() : null;
            Instant executedAt = isPresent(in) ? Instant.ofEpochMilli(in.readLong()) : null;
            return new TradeLeg(tradeId, userId, side, phase, asset, amount, fee, orderId, createdAt, fingerprint, paidAsset, paidAmount,
                    receivedAsset, receivedNet, step, counterpart, reason, detail, executedAt);
        }
    }

    private static final class LegResultCoder implements RecordCoder<LegResult> {
        @Override
        public void encode(LegResult r, Encoder out) throws IOException {
            out.writeString(r.getTradeId());
            out.writeLong(r.getUserId());
            out.writeEnum(r.getSide().ordinal());
            out.writeEnum(r.getPhase().ordinal());
            out.writeEnum(r.getStatus().ordinal());
            writeOptionalEnum(out, r.getReason());
            writeOptionalResult(out, r.getTradeResult());
        }

        @Override
        public LegResult decode(Decoder in) throws IOException {
            return new LegResult(in.readString(), in.readLong(), SIDES[in.readEnum()], PHASES[in.readEnum()], STATUSES[in.readEnum()],
                    isPresent(in) ? REASONS[in.readEnum()] : null, isPresent(in) ? RESULT.decode(in) : null);
        }
    }

    private static final class TradeStateCoder implements RecordCoder<TradeState> {
        @Override
        public void encode(TradeState t, Encoder out) throws IOException {
            TRADE.encode(t.getTrade(), out);
            out.writeString(t.getFingerprint());
            out.writeEnum(t.getStatus().ordinal());
            writeOptionalEnum(out, t.getReason());
            writeOptionalString(out, t.getDetail());
            out.writeEnum(t.getBuyerDebit().ordinal());
            out.writeEnum(t.getSellerDebit().ordinal());
            out.writeEnum(t.getBuyerCredit().ordinal());
            out.writeEnum(t.getSellerCredit().ordinal());
            out.writeEnum(t.getBuyerRefund().ordinal());
            out.writeEnum(t.getSellerRefund().ordinal());
            writeOptionalResult(out, t.getResult());
            List<SettlementResult> deferred = t.getDeferredConflicts();
            out.writeArrayStart();
            out.setItemCount(deferred.size());
            for (SettlementResult conflict : deferred) {
                out.startItem();
                RESULT.encode(conflict, out);
            }
            out.writeArrayEnd();
            out.writeLong(t.getReceivedAt().toEpochMilli());
            out.writeLong(t.getUpdatedAt().toEpochMilli());
            writeOptionalInstant(out, t.getFinishedAt());
            out.writeBoolean(t.getChained());
        }

        @Override
        public TradeState decode(Decoder in) throws IOException {
            Trade trade = TRADE.decode(in);
            String fingerprint = in.readString();
            TradeStatus status = TRADE_STATUSES[in.readEnum()];
            Reason reason = isPresent(in) ? REASONS[in.readEnum()] : null;
            String detail = isPresent(in) ? in.readString() : null;
            LegProgress buyerDebit = PROGRESS[in.readEnum()];
            LegProgress sellerDebit = PROGRESS[in.readEnum()];
            LegProgress buyerCredit = PROGRESS[in.readEnum()];
            LegProgress sellerCredit = PROGRESS[in.readEnum()];
            LegProgress buyerRefund = PROGRESS[in.readEnum()];
            LegProgress sellerRefund = PROGRESS[in.readEnum()];
            SettlementResult result = isPresent(in) ? RESULT.decode(in) : null;
            List<SettlementResult> deferred = new ArrayList<>();
            for (long block = in.readArrayStart(); block != 0; block = in.arrayNext()) {
                for (long i = 0; i < block; i++) {
                    deferred.add(RESULT.decode(in));
                }
            }
            Instant receivedAt = Instant.ofEpochMilli(in.readLong());
            Instant updatedAt = Instant.ofEpochMilli(in.readLong());
            Instant finishedAt = isPresent(in) ? Instant.ofEpochMilli(in.readLong()) : null;
            return new TradeState(trade, fingerprint, status, reason, detail, buyerDebit, sellerDebit, buyerCredit, sellerCredit, buyerRefund,
                    sellerRefund, result, deferred, receivedAt, updatedAt, finishedAt, in.readBoolean());
        }
    }

    private static void writeAccount(Encoder out, Account account) throws IOException {
        out.writeLong(account.getOwnerId());
        out.writeEnum(account.getType().ordinal());
        out.writeEnum(account.getBucket().ordinal());
    }

    private static Account readAccount(Decoder in) throws IOException {
        return new Account(in.readLong(), ACCOUNT_TYPES[in.readEnum()], BUCKETS[in.readEnum()]);
    }

    /** Writes one field's value. */
    private interface FieldWriter<T> {
        void write(Encoder out, T value) throws IOException;
    }

    /** A {@code ["null", T]} union: branch 0 is null, branch 1 the value. */
    private static <T> void writeOptional(Encoder out, T value, FieldWriter<T> writer) throws IOException {
        if (value == null) {
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            writer.write(out, value);
        }
    }

    private static void writeOptionalEnum(Encoder out, Enum<?> value) throws IOException {
        writeOptional(out, value, (o, v) -> o.writeEnum(v.ordinal()));
    }

    private static void writeOptionalString(Encoder out, String value) throws IOException {
        writeOptional(out, value, Encoder::writeString);
    }

    private static void writeOptionalInstant(Encoder out, Instant value) throws IOException {
        writeOptional(out, value, (o, v) -> o.writeLong(v.toEpochMilli()));
    }

    private static void writeOptionalResult(Encoder out, SettlementResult value) throws IOException {
        writeOptional(out, value, (o, v) -> RESULT.encode(v, o));
    }

    private static boolean isPresent(Decoder in) throws IOException {
        int branch = in.readIndex();
        if (branch < 0 || branch > 1) {
            throw new AvroRuntimeException("union branch " + branch + " of a [null, T] union");
        }
        return branch == 1;
    }
}
