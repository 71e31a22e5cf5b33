package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.EXTERNAL;
import static io.settlement.avro.AccountType.FUNDING;
import static io.settlement.avro.Bucket.AVAILABLE;
import static io.settlement.avro.Bucket.FROZEN;

import io.settlement.avro.Reason;
import io.settlement.avro.WithdrawCancelled;
import io.settlement.avro.WithdrawConfirmed;
import io.settlement.avro.WithdrawRequested;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Withdrawals: a request freezes the amount (FUNDING.available -> FUNDING.frozen) and keeps the
 * withdrawal in the {@code holds} store; confirming sends it out (frozen -> EXTERNAL),
 * cancelling gives it back (frozen -> available).
 */
final class WithdrawalCommands {
    private final Assets assets;
    private final Ledger ledger;
    private final KeyValueStore<String, Hold> holds;

    WithdrawalCommands(Assets assets, Ledger ledger, KeyValueStore<String, Hold> holds) {
        this.assets = assets;
        this.ledger = ledger;
        this.holds = holds;
    }

    Outcome request(long userId, WithdrawRequested withdrawal, Step step, LedgerEvents events) {
        Outcome invalid = Rules.idPresent(withdrawal.getWithdrawalId(), "withdrawal_id");
        if (invalid == null) {
            invalid = Rules.positive(withdrawal.getAmount(), "amount");
        }
        if (invalid != null) {
            return invalid;
        }
        Asset asset = Rules.asset(assets, withdrawal.getAsset());
        if (asset == null) {
            return Rules.unknownAsset(withdrawal.getAsset());
        }
        String key = Hold.WITHDRAWAL_PREFIX + withdrawal.getWithdrawalId();
        if (holds.get(key) != null) {
            return Outcome.rejected(Reason.DUPLICATE_WITHDRAWAL, "withdrawal " + withdrawal.getWithdrawalId() + " was requested before");
        }
        Outcome posted = ledger.post(new Postings(asset).userToUser(userId, FUNDING, AVAILABLE, FUNDING, FROZEN, withdrawal.getAmount()), step, events);
        if (posted.accepted()) {
            holds.put(key, Hold.open(userId, asset.id(), withdrawal.getAmount()));
        }
        return posted;
    }

    Outcome confirm(long userId, WithdrawConfirmed withdrawal, Step step, LedgerEvents events) {
        return finish(userId, withdrawal.getWithdrawalId(), Hold.State.CONFIRMED, step, events);
    }

    Outcome cancel(long userId, WithdrawCancelled withdrawal, Step step, LedgerEvents events) {
        return finish(userId, withdrawal.getWithdrawalId(), Hold.State.CANCELLED, step, events);
    }

    private Outcome finish(long userId, String withdrawalId, Hold.State finalState, Step step, LedgerEvents events) {
        Outcome invalid = Rules.idPresent(withdrawalId, "withdrawal_id");
        if (invalid != null) {
            return invalid;
        }
        String key = Hold.WITHDRAWAL_PREFIX + withdrawalId;
        Hold hold = holds.get(key);
        if (hold == null || hold.userId() != userId) {
            return Outcome.rejected(Reason.UNKNOWN_WITHDRAWAL, "no withdrawal " + withdrawalId + " of user " + userId);
        }
        if (hold.isFinal()) {
            return Outcome.rejected(Reason.ALREADY_FINAL, "withdrawal " + withdrawalId + " is already " + hold.state());
        }
        Asset asset = assets.byId(hold.assetId()).orElse(null);
        if (asset == null) {
            return Outcome.rejected(Reason.UNKNOWN_ASSET, "asset id " + hold.assetId() + " is no longer configured");
        }
        Postings postings = new Postings(asset);
        if (finalState == Hold.State.CONFIRMED) {
            postings.userToSystem(userId, FUNDING, FROZEN, EXTERNAL, hold.amount());
        } else {
            postings.userToUser(userId, FUNDING, FROZEN, FUNDING, AVAILABLE, hold.amount());
        }
        Outcome posted = ledger.post(postings, step, events);
        if (posted.accepted()) {
            holds.put(key, hold.finish(finalState, step.timeMs()));
        }
        return posted;
    }
}
