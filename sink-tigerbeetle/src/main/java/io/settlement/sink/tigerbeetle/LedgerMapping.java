package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.AccountBatch;
import com.tigerbeetle.AccountFlags;
import com.tigerbeetle.TransferBatch;
import com.tigerbeetle.TransferFlags;
import io.settlement.avro.AccountType;
import io.settlement.avro.Bucket;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Posting;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How the settlement journal maps onto TigerBeetle (docs/tigerbeetle.md has the tables).
 *
 * <ul>
 *   <li><b>Ledger</b> = the asset id: TigerBeetle only moves amounts within one ledger, as a
 *       posting only moves one asset.</li>
 *   <li><b>Accounts</b>: one per (owner, account type, asset, bucket). The id is structured, not
 *       hashed, so it can be read back: the high 64 bits are the owner (0 for system accounts),
 *       the low 64 bits are {@code assetId << 32 | typeCode << 16 | bucketCode}. Type and bucket
 *       codes start at 1, so no id is 0; owners are below 2^63, so no id is 2^128-1. User
 *       accounts are flagged {@code debits_must_not_exceed_credits}, so TigerBeetle itself refuses
 *       an overdraft the stores would have refused. System accounts are not flagged: EXTERNAL is
 *       negative by design, and CLEARING may be debited in TigerBeetle before it is credited
 *       because the sink reads the journal's partitions in no global order (a trade's credit leg
 *       can arrive from one user's partition before the other side's debit leg).</li>
 *   <li><b>Transfers</b>: each posting is one transfer of {@code amount} from the debit account
 *       to the credit account; a journal entry is one chain, every transfer but the last
 *       {@code linked}, so TigerBeetle applies an entry completely or not at all. Transfer ids
 *       are the first 128 bits of SHA-256 over (entry id, posting index): a replay of the
 *       journal produces identical ids and TigerBeetle answers {@code exists}.</li>
 *   <li><b>Pending deposits</b> are plain transfers between bucket accounts (EXTERNAL to
 *       FUNDING.PENDING, then PENDING to AVAILABLE or back to EXTERNAL), not TigerBeetle's
 *       pending/post/void: a confirmation's journal entry does not carry the deposit id, so the
 *       sink could not name the pending transfer to post without keeping state of its own; and
 *       one transfer per posting keeps every store bucket equal to one TigerBeetle account's
 *       posted balance, which is what reconcile compares.</li>
 * </ul>
 */
public final class LedgerMapping {
    /** TigerBeetle 0.16's limit of events in one request. */
    public static final int EVENTS_PER_REQUEST_MAX = 8190;

    private static final String TRANSFER_ID_DOMAIN = "settlement.transfer.v1";
    private static final String ENTRY_REF_DOMAIN = "settlement.entry.v1";

    private LedgerMapping() {}

    /** The transfer code of a command kind; stable numbers, never enum ordinals (symbols may be added). */
    public static int transferCode(CommandKind kind) {
        return switch (kind) {
            case DEPOSIT -> 10;
            case DEPOSIT_INITIATED -> 11;
            case DEPOSIT_CONFIRMED -> 12;
            case DEPOSIT_CANCELLED -> 13;
            case WITHDRAW_REQUESTED -> 20;
            case WITHDRAW_CONFIRMED -> 21;
            case WITHDRAW_CANCELLED -> 22;
            case ORDER_RESERVED -> 30;
            case ORDER_RELEASED -> 31;
            case ORDER_CLOSED -> 32;
            case INTERNAL_TRANSFER -> 40;
            case TRADE -> 50;
            case TRADE_LEG -> 51;
            // A kind this sink does not know yet still moves money: mirror it, visibly coded.
            case OTHER -> 99;
        };
    }

    static int typeCode(AccountType type) {
        return switch (type) {
            case FUNDING -> 1;
            case SPOT -> 2;
            case EXTERNAL -> 3;
            case FEES -> 4;
            case CLEARING -> 5;
        };
    }

    static int bucketCode(Bucket bucket) {
        return switch (bucket) {
            case AVAILABLE -> 1;
            case FROZEN -> 2;
            case PENDING -> 3;
        };
    }

    /** The account code: type code times ten plus bucket code (11 = FUNDING.AVAILABLE, 31 = EXTERNAL). */
    public static int accountCode(AccountType type, Bucket bucket) {
        return typeCode(type) * 10 + bucketCode(bucket);
    }

    public static LedgerId accountId(LedgerAccountKey key) {
        long low = ((long) key.assetId() << 32) | ((long) typeCode(key.type()) << 16) | bucketCode(key.bucket());
        return new LedgerId(key.ownerId(), low);
    }

    public static int accountFlags(LedgerAccountKey key) {
        return key.isSystem() ? AccountFlags.NONE : AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS;
    }

    public static LedgerAccount account(LedgerAccountKey key) {
        return new LedgerAccount(key, accountId(key), key.assetId(), accountCode(key.type(), key.bucket()), accountFlags(key));
    }

    public static LedgerId transferId(String entryId, int postingIndex) {
        return hash(TRANSFER_ID_DOMAIN + '\0' + entryId + '\0' + postingIndex);
    }

    /** The same for every transfer of one entry (user_data_128), to find an entry's transfers. */
    public static LedgerId entryRef(String entryId) {
        return hash(ENTRY_REF_DOMAIN + '\0' + entryId);
    }

    /**
     * Why this entry cannot be mirrored, if it cannot: the topology only journals valid entries,
     * so a problem here is a bug upstream, and the sink stops the partition rather than skip it.
     */
    public static Optional<String> problem(JournalEntry entry) {
        if (entry.getEntryId() == null || entry.getEntryId().isEmpty()) {
            return Optional.of("entry has no id");
        }
        List<Posting> postings = entry.getPostings();
        if (postings == null || postings.isEmpty()) {
            return Optional.of("entry has no postings");
        }
        if (postings.size() > EVENTS_PER_REQUEST_MAX) {
            return Optional.of("entry has " + postings.size() + " postings, more than one request holds ("
                    + EVENTS_PER_REQUEST_MAX + ")");
        }
        for (int i = 0; i < postings.size(); i++) {
            Posting posting = postings.get(i);
            String at = "posting " + i + ": ";
            if (posting.getAmount() <= 0) {
                return Optional.of(at + "amount " + posting.getAmount() + " is not positive");
            }
            if (posting.getAssetId() <= 0) {
                return Optional.of(at + "asset id " + posting.getAssetId() + " is not a ledger");
            }
            Optional<String> debit = accountProblem(LedgerAccountKey.of(posting.getDebit(), posting.getAssetId()));
            if (debit.isPresent()) {
                return Optional.of(at + "debit " + debit.get());
            }
            Optional<String> credit = accountProblem(LedgerAccountKey.of(posting.getCredit(), posting.getAssetId()));
            if (credit.isPresent()) {
                return Optional.of(at + "credit " + credit.get());
            }
            if (posting.getDebit().equals(posting.getCredit())) {
                return Optional.of(at + "debit and credit are the same account");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> accountProblem(LedgerAccountKey key) {
        if (key.isSystem() && key.ownerId() != LedgerAccountKey.SYSTEM_OWNER) {
            return Optional.of("system account " + key.type() + " has owner " + key.ownerId());
        }
        if (key.isSystem() && key.bucket() != Bucket.AVAILABLE) {
            return Optional.of("system account " + key.type() + " uses bucket " + key.bucket());
        }
        if (!key.isSystem() && key.ownerId() <= 0) {
            return Optional.of("user account " + key.type() + " has owner " + key.ownerId());
        }
        return Optional.empty();
    }

    /** The entry as one closed chain of transfers; call only for an entry without a {@link #problem}. */
    public static MappedEntry map(JournalEntry entry) {
        Optional<String> problem = problem(entry);
        if (problem.isPresent()) {
            throw new IllegalArgumentException("entry " + entry.getEntryId() + " cannot be mapped: " + problem.get());
        }
        return mapChecked(entry);
    }

    /** As {@link #map}, for a caller that has just found no {@link #problem} (the sink: it checks every entry once). */
    static MappedEntry mapChecked(JournalEntry entry) {
        List<Posting> postings = entry.getPostings();
        int code = transferCode(entry.getKind());
        LedgerId entryRef = entryRef(entry.getEntryId());
        List<LedgerTransfer> chain = new ArrayList<>(postings.size());
        Map<LedgerAccountKey, LedgerAccount> accounts = new LinkedHashMap<>();
        for (int i = 0; i < postings.size(); i++) {
            Posting posting = postings.get(i);
            LedgerAccount debit = accounts.computeIfAbsent(
                    LedgerAccountKey.of(posting.getDebit(), posting.getAssetId()), LedgerMapping::account);
            LedgerAccount credit = accounts.computeIfAbsent(
                    LedgerAccountKey.of(posting.getCredit(), posting.getAssetId()), LedgerMapping::account);
            boolean last = i == postings.size() - 1;
            chain.add(new LedgerTransfer(transferId(entry.getEntryId(), i), debit.id(), credit.id(), posting.getAmount(),
                    posting.getAssetId(), code, last ? TransferFlags.NONE : TransferFlags.LINKED,
                    entryRef, entry.getUserId(), i));
        }
        return new MappedEntry(entry, chain, List.copyOf(accounts.values()));
    }

    /**
     * The chains of the given entries, in order, as one create_transfers request. Ids go in as
     * their two halves, not as byte arrays: this runs for every transfer the sink writes.
     */
    public static TransferBatch transferBatch(List<MappedEntry> entries) {
        int events = 0;
        for (MappedEntry entry : entries) {
            events += entry.size();
        }
        if (events > EVENTS_PER_REQUEST_MAX) {
            throw new IllegalStateException(events + " transfers exceed one request (" + EVENTS_PER_REQUEST_MAX + ")");
        }
        TransferBatch batch = new TransferBatch(events);
        for (MappedEntry entry : entries) {
            for (LedgerTransfer transfer : entry.chain()) {
                batch.add();
                batch.setId(transfer.id().leastSignificant(), transfer.id().mostSignificant());
                batch.setDebitAccountId(transfer.debitAccountId().leastSignificant(), transfer.debitAccountId().mostSignificant());
                batch.setCreditAccountId(transfer.creditAccountId().leastSignificant(), transfer.creditAccountId().mostSignificant());
                batch.setAmount(transfer.amount());
                batch.setLedger(transfer.ledger());
                batch.setCode(transfer.code());
                batch.setFlags(transfer.flags());
                batch.setUserData128(transfer.entryRef().leastSignificant(), transfer.entryRef().mostSignificant());
                batch.setUserData64(transfer.userId());
                batch.setUserData32(transfer.postingIndex());
            }
        }
        return batch;
    }

    /** The given accounts as one create_accounts request (not linked: each succeeds on its own). */
    public static AccountBatch accountBatch(Collection<LedgerAccount> accounts) {
        if (accounts.size() > EVENTS_PER_REQUEST_MAX) {
            throw new IllegalStateException(accounts.size() + " accounts exceed one request (" + EVENTS_PER_REQUEST_MAX + ")");
        }
        AccountBatch batch = new AccountBatch(accounts.size());
        for (LedgerAccount account : accounts) {
            batch.add();
            batch.setId(account.id().leastSignificant(), account.id().mostSignificant());
            batch.setLedger(account.ledger());
            batch.setCode(account.code());
            batch.setFlags(account.flags());
            batch.setUserData64(account.key().ownerId());
            batch.setUserData32(account.key().assetId());
        }
        return batch;
    }

    /** One digest per thread: looking SHA-256 up costs more than hashing an id, and this runs for every transfer. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    });

    private static LedgerId hash(String text) {
        ByteBuffer digest = ByteBuffer.wrap(SHA_256.get().digest(text.getBytes(StandardCharsets.UTF_8)));
        return new LedgerId(digest.getLong(), digest.getLong());
    }
}
