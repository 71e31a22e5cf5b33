package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.EXTERNAL;
import static io.settlement.avro.AccountType.FUNDING;
import static io.settlement.avro.Bucket.AVAILABLE;
import static io.settlement.avro.Bucket.FROZEN;
import static io.settlement.avro.Bucket.PENDING;

import io.settlement.avro.Bucket;
import io.settlement.avro.Reason;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Money between the outside world and a user's FUNDING wallet. A deposit is credited at once
 * (EXTERNAL -> FUNDING.available), or held: a deposit seen on chain waits in FUNDING.pending and a
 * requested withdrawal in FUNDING.frozen, each kept in the {@code holds} store until one
 * confirmation or cancellation makes it final. Deposits and withdrawals share that lifecycle and
 * differ only in where the hold sits and which end leads outside ({@link HoldKind}).
 *
 * <p>Deposit and withdrawal ids are unique per user ({@link OwnedRecords}): one chain transaction
 * that pays several users is one deposit for each.
 */
final class FundingCommands {
    /** What a deposit and a withdrawal differ in. */
    enum HoldKind {
        /** Opened from EXTERNAL into FUNDING.pending; confirming makes it available, cancelling returns it to EXTERNAL. */
        DEPOSIT("deposit", PENDING, Hold.State.CANCELLED, Reason.DUPLICATE_DEPOSIT, Reason.UNKNOWN_DEPOSIT),
        /** Opened from FUNDING.available into FUNDING.frozen; confirming sends it to EXTERNAL, cancelling makes it available again. */
        WITHDRAWAL("withdrawal", FROZEN, Hold.State.CONFIRMED, Reason.DUPLICATE_WITHDRAWAL, Reason.UNKNOWN_WITHDRAWAL);

        private final String noun;
        private final Bucket heldIn;
        private final Hold.State endsOutside;
        private final Reason duplicate;
        private final Reason unknown;

        HoldKind(String noun, Bucket heldIn, Hold.State endsOutside, Reason duplicate, Reason unknown) {
            this.noun = noun;
            this.heldIn = heldIn;
            this.endsOutside = endsOutside;
            this.duplicate = duplicate;
            this.unknown = unknown;
        }

        String idField() {
            return noun + "_id";
        }

        /** The moves that open a hold of {@code amount}. */
        Postings open(Postings postings, long userId, long amount) {
            return this == DEPOSIT
                    ? postings.systemToUser(EXTERNAL, userId, FUNDING, heldIn, amount)
                    : postings.userToUser(userId, FUNDING, AVAILABLE, FUNDING, heldIn, amount);
        }

        /** The moves that make a hold final in {@code state}. */
        Postings finish(Postings postings, long userId, Hold.State state, long amount) {
            return state == endsOutside
                    ? postings.userToSystem(userId, FUNDING, heldIn, EXTERNAL, amount)
                    : postings.userToUser(userId, FUNDING, heldIn, FUNDING, AVAILABLE, amount);
        }
    }

    private final Assets assets;
    private final Ledger ledger;
    private final OwnedRecords<Hold> deposits;
    private final OwnedRecords<Hold> withdrawals;

    FundingCommands(Assets assets, Ledger ledger, KeyValueStore<String, Hold> holds) {
        this.assets = assets;
        this.ledger = ledger;
        this.deposits = new OwnedRecords<>(holds, Hold.DEPOSIT_PREFIX, Hold.DEPOSIT_PREFIX + ':', Hold::userId);
        this.withdrawals = new OwnedRecords<>(holds, Hold.WITHDRAWAL_PREFIX, Hold.WITHDRAWAL_PREFIX + ':', Hold::userId);
    }

    /** A deposit credited at once: EXTERNAL -> FUNDING.available. */
    Outcome deposit(long userId, String assetCode, long amount, Step step, LedgerEvents events) {
        Outcome invalid = Rules.positive(amount, "amount");
        if (invalid != null) {
            return invalid;
        }
        Asset asset = Rules.asset(assets, assetCode);
        if (asset == null) {
            return Rules.unknownAsset(assetCode);
        }
        return ledger.post(new Postings(asset).systemToUser(EXTERNAL, userId, FUNDING, AVAILABLE, amount), step, events);
    }

    /** A deposit seen on chain or a withdrawal requested: the amount is held until the hold is made final. */
    Outcome open(HoldKind kind, long userId, String id, String assetCode, long amount, Step step, LedgerEvents events) {
        Outcome invalid = Rules.idPresent(id, kind.idField());
        if (invalid == null) {
            invalid = Rules.positive(amount, "amount");
        }
        if (invalid != null) {
            return invalid;
        }
        Asset asset = Rules.asset(assets, assetCode);
        if (asset == null) {
            return Rules.unknownAsset(assetCode);
        }
        OwnedRecords<Hold> holds = holdsOf(kind);
        if (holds.taken(userId, id)) {
            return Outcome.rejected(kind.duplicate, kind.noun + " " + id + " of user " + userId + " was opened before");
        }
        Outcome posted = ledger.post(kind.open(new Postings(asset), userId, amount), step, events);
        if (posted.accepted()) {
            holds.create(userId, id, Hold.open(userId, asset.id(), amount));
        }
        return posted;
    }

    /**
     * Confirms or cancels a hold. A hold the user does not have yet is UNKNOWN_DEPOSIT or
     * UNKNOWN_WITHDRAWAL, a rejection that does not claim the command's id ({@link ResultRules}),
     * so a confirmation that overtook its deposit applies when it is retried after it.
     */
    Outcome finish(HoldKind kind, long userId, String id, Hold.State finalState, Step step, LedgerEvents events) {
        Outcome invalid = Rules.idPresent(id, kind.idField());
        if (invalid != null) {
            return invalid;
        }
        OwnedRecords<Hold> holds = holdsOf(kind);
        OwnedRecords.Found<Hold> found = holds.find(userId, id);
        if (found == null) {
            return Outcome.rejected(kind.unknown, "no " + kind.noun + " " + id + " of user " + userId + " (yet)");
        }
        Hold hold = found.value();
        if (hold.isFinal()) {
            return Outcome.rejected(Reason.ALREADY_FINAL, kind.noun + " " + id + " is already " + hold.state());
        }
        Asset asset = assets.byId(hold.assetId()).orElse(null);
        if (asset == null) {
            return Outcome.rejected(Reason.UNKNOWN_ASSET, "asset id " + hold.assetId() + " is no longer configured");
        }
        Outcome posted = ledger.post(kind.finish(new Postings(asset), userId, finalState, hold.amount()), step, events);
        if (posted.accepted()) {
            holds.update(found, hold.finish(finalState, step.timeMs()));
        }
        return posted;
    }

    private OwnedRecords<Hold> holdsOf(HoldKind kind) {
        return kind == HoldKind.DEPOSIT ? deposits : withdrawals;
    }
}
