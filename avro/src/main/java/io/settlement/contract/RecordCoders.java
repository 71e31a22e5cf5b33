package io.settlement.contract;

import io.settlement.avro.Account;
import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceAfter;
import io.settlement.avro.Bucket;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Posting;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Wallet;
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
 * Hand-written Avro binary coders of the records every command writes: its
 * {@link SettlementResult} and its {@link JournalEntry}. Avro generates such coders only for
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

    private static final Map<Class<?>, RecordCoder<?>> CODERS = Map.of(
            SettlementResult.class, new ResultCoder(),
            JournalEntry.class, new JournalCoder());

    private static final CommandKind[] KINDS = CommandKind.values();
    private static final ResultStatus[] STATUSES = ResultStatus.values();
    private static final Reason[] REASONS = Reason.values();
    private static final AccountType[] ACCOUNT_TYPES = AccountType.values();
    private static final Bucket[] BUCKETS = Bucket.values();
    private static final Wallet[] WALLETS = Wallet.values();

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

    private static void writeAccount(Encoder out, Account account) throws IOException {
        out.writeLong(account.getOwnerId());
        out.writeEnum(account.getType().ordinal());
        out.writeEnum(account.getBucket().ordinal());
    }

    private static Account readAccount(Decoder in) throws IOException {
        return new Account(in.readLong(), ACCOUNT_TYPES[in.readEnum()], BUCKETS[in.readEnum()]);
    }

    /** A {@code ["null", T]} union: branch 0 is null, branch 1 the value. */
    private static void writeOptionalEnum(Encoder out, Enum<?> value) throws IOException {
        if (value == null) {
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            out.writeEnum(value.ordinal());
        }
    }

    private static void writeOptionalString(Encoder out, String value) throws IOException {
        if (value == null) {
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            out.writeString(value);
        }
    }

    private static boolean isPresent(Decoder in) throws IOException {
        int branch = in.readIndex();
        if (branch < 0 || branch > 1) {
            throw new AvroRuntimeException("union branch " + branch + " of a [null, T] union");
        }
        return branch == 1;
    }
}
