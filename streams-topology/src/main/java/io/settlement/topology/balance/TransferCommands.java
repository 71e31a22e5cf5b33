package io.settlement.topology.balance;

import static io.settlement.avro.Bucket.AVAILABLE;

import io.settlement.avro.Reason;
import io.settlement.avro.TransferRequest;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;

/** Internal transfers between two wallets of one user: from.available -> to.available in one step. */
final class TransferCommands {
    private final Assets assets;
    private final Ledger ledger;

    TransferCommands(Assets assets, Ledger ledger) {
        this.assets = assets;
        this.ledger = ledger;
    }

    Outcome transfer(TransferRequest request, Step step, LedgerEvents events) {
        Outcome invalid = Rules.positive(request.getAmount(), "amount");
        if (invalid != null) {
            return invalid;
        }
        Asset asset = Rules.asset(assets, request.getAsset());
        if (asset == null) {
            return Rules.unknownAsset(request.getAsset());
        }
        if (request.getFromWallet() == null || request.getToWallet() == null) {
            return Outcome.rejected(Reason.UNKNOWN_WALLET, "from_wallet and to_wallet are required");
        }
        if (request.getFromWallet() == request.getToWallet()) {
            return Outcome.rejected(Reason.SAME_WALLET, "from_wallet and to_wallet are both " + request.getFromWallet());
        }
        Postings postings = new Postings(asset).userToUser(request.getUserId(),
                Ledger.accountOf(request.getFromWallet()), AVAILABLE, Ledger.accountOf(request.getToWallet()), AVAILABLE, request.getAmount());
        return ledger.post(postings, step, events);
    }
}
