package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.EXTERNAL;
import static io.settlement.avro.AccountType.FUNDING;
import static io.settlement.avro.Bucket.AVAILABLE;
import static io.settlement.avro.Bucket.PENDING;

import io.settlement.avro.Deposit;
import io.settlement.avro.DepositCancelled;
import io.settlement.avro.DepositConfirmed;
import io.settlement.avro.DepositInitiated;
import io.settlement.avro.Reason;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Deposits: credited at once (EXTERNAL -> FUNDING.available), or in two steps through
 * FUNDING.pending with the deposit kept in the {@code holds} store until confirmed
 * (pending -> available) or cancelled (pending -> EXTERNAL).
 */
final class DepositCommands {
    private final Assets assets;
    private final Ledger ledger;
    private final KeyValueStore<String, Hold> holds;

    DepositCommands(Assets assets, Ledger ledger, KeyValueStore<String, Hold> holds) {
        this.assets = assets;
        this.ledger = ledger;
        this.holds = holds;
    }

    Outcome deposit(long userId, Deposit deposit, Step step, LedgerEvents events) {
        Outcome invalid = Rules.positive(deposit.getAmount(), "amount");
        if (invalid != null) {
            return invalid;
        }
        Asset asset = Rules.asset(assets, deposit.getAsset());
        if (asset == null) {
            return Rules.unknownAsset(deposit.getAsset());
        }
        return ledger.post(new Postings(asset).systemToUser(EXTERNAL, userId, FUNDING, AVAILABLE, deposit.getAmount()), step, events);
    }

    Outcome initiate(long userId, DepositInitiated deposit, Step step, LedgerEvents events) {
        Outcome invalid = Rules.idPresent(deposit.getDepositId(), "deposit_id");
        if (invalid == null) {
            invalid = Rules.positive(deposit.getAmount(), "amount");
        }
        if (invalid != null) {
            return invalid;
        }
        Asset asset = Rules.asset(assets, deposit.getAsset());
        if (asset == null) {
            return Rules.unknownAsset(deposit.getAsset());
        }
        String key = Hold.DEPOSIT_PREFIX + deposit.getDepositId();
        if (holds.get(key) != null) {
            return Outcome.rejected(Reason.DUPLICATE_DEPOSIT, "deposit " + deposit.getDepositId() + " was initiated before");
        }
        Outcome posted = ledger.post(new Postings(asset).systemToUser(EXTERNAL, userId, FUNDING, PENDING, deposit.getAmount()), step, events);
        if (posted.accepted()) {
            holds.put(key, Hold.open(userId, asset.id(), deposit.getAmount()));
        }
        return posted;
    }

    Outcome confirm(long userId, DepositConfirmed deposit, Step step, LedgerEvents events) {
        return finish(userId, deposit.getDepositId(), Hold.State.CONFIRMED, step, events);
    }

    Outcome cancel(long userId, DepositCancelled deposit, Step step, LedgerEvents events) {
        return finish(userId, deposit.getDepositId(), Hold.State.CANCELLED, step, events);
    }

    private Outcome finish(long userId, String depositId, Hold.State finalState, Step step, LedgerEvents events) {
        Outcome invalid = Rules.idPresent(depositId, "deposit_id");
        if (invalid != null) {
            return invalid;
        }
        String key = Hold.DEPOSIT_PREFIX + depositId;
        Hold hold = holds.get(key);
        if (hold == null || hold.userId() != userId) {
            return Outcome.rejected(Reason.UNKNOWN_DEPOSIT, "no deposit " + depositId + " of user " + userId);
        }
        if (hold.isFinal()) {
            return Outcome.rejected(Reason.ALREADY_FINAL, "deposit " + depositId + " is already " + hold.state());
        }
        Asset asset = assets.byId(hold.assetId()).orElse(null);
        if (asset == null) {
            return Outcome.rejected(Reason.UNKNOWN_ASSET, "asset id " + hold.assetId() + " is no longer configured");
        }
        Postings postings = new Postings(asset);
        if (finalState == Hold.State.CONFIRMED) {
            postings.userToUser(userId, FUNDING, PENDING, FUNDING, AVAILABLE, hold.amount());
        } else {
            postings.userToSystem(userId, FUNDING, PENDING, EXTERNAL, hold.amount());
        }
        Outcome posted = ledger.post(postings, step, events);
        if (posted.accepted()) {
            holds.put(key, hold.finish(finalState, step.timeMs()));
        }
        return posted;
    }
}
