package io.settlement.topology.balance;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.avro.DepositCancelled;
import io.settlement.avro.DepositConfirmed;
import io.settlement.avro.DepositInitiated;
import io.settlement.avro.LegPhase;
import io.settlement.avro.OrderClosed;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.OrderReserved;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.WithdrawCancelled;
import io.settlement.avro.WithdrawConfirmed;
import io.settlement.avro.WithdrawRequested;
import io.settlement.topology.ContentDigest;

/**
 * The content digest of a balance command, a transfer or a trade leg, without its
 * {@code created_at}: a retry stamped anew is still the same command. See {@link ContentDigest}
 * for why it is cryptographic. One instance per balance processor.
 */
final class Fingerprint {
    private final ContentDigest digest = new ContentDigest();

    /** The digest of one input of the balance processor, by its type. */
    byte[] of(BalanceInput input) {
        if (input instanceof BalanceInput.Operation operation) {
            return of(operation.operation());
        } else if (input instanceof BalanceInput.Transfer transfer) {
            return of(transfer.request());
        } else if (input instanceof BalanceInput.Leg leg) {
            return of(leg.leg());
        }
        throw new IllegalStateException("unknown balance input " + input);
    }

    byte[] of(BalanceOperation op) {
        Object operation = op.getOperation();
        ContentDigest d = digest.begin(BalanceProcessor.kindOf(operation).name()).add(op.getCommandId()).add(op.getUserId());
        if (operation instanceof Deposit x) {
            d.add(x.getAsset()).add(x.getAmount());
        } else if (operation instanceof DepositInitiated x) {
            d.add(x.getDepositId()).add(x.getAsset()).add(x.getAmount());
        } else if (operation instanceof DepositConfirmed x) {
            d.add(x.getDepositId());
        } else if (operation instanceof DepositCancelled x) {
            d.add(x.getDepositId());
        } else if (operation instanceof WithdrawRequested x) {
            d.add(x.getWithdrawalId()).add(x.getAsset()).add(x.getAmount());
        } else if (operation instanceof WithdrawConfirmed x) {
            d.add(x.getWithdrawalId());
        } else if (operation instanceof WithdrawCancelled x) {
            d.add(x.getWithdrawalId());
        } else if (operation instanceof OrderReserved x) {
            d.add(x.getOrderId()).add(x.getAsset()).add(x.getAmount());
        } else if (operation instanceof OrderReleased x) {
            d.add(x.getOrderId()).add(x.getFilledTotal());
        } else if (operation instanceof OrderClosed x) {
            d.add(x.getOrderId());
        } else {
            throw new IllegalStateException("unknown balance operation " + operation.getClass());
        }
        return d.finish();
    }

    byte[] of(TransferRequest t) {
        return digest.begin("INTERNAL_TRANSFER").add(t.getRequestId()).add(t.getUserId())
                .add(t.getFromWallet().name()).add(t.getToWallet().name()).add(t.getAsset()).add(t.getAmount()).finish();
    }

    /** A leg's answer is tied to its trade instance: the trade's own digest is part of the leg's. */
    byte[] of(TradeLeg leg) {
        return of(leg, leg.getPhase(), leg.getAsset(), leg.getAmount());
    }

    /**
     * The digest of the DEBIT that a CREDIT or a REFUND ends: every leg of a side carries the same
     * terms, and a DEBIT moves what the side pays.
     */
    byte[] ofDebitEndedBy(TradeLeg leg) {
        return of(leg, LegPhase.DEBIT, leg.getPaidAsset(), leg.getPaidAmount());
    }

    private byte[] of(TradeLeg leg, LegPhase phase, String asset, long amount) {
        return digest.begin("TRADE_LEG").add(leg.getTradeId()).add(leg.getTradeFingerprint()).add(leg.getUserId())
                .add(leg.getSide().name()).add(phase.name()).add(asset).add(amount).add(leg.getFee())
                .add(leg.getOrderId()).add(leg.getPaidAsset()).add(leg.getPaidAmount())
                .add(leg.getReceivedAsset()).add(leg.getReceivedNet()).finish();
    }
}
