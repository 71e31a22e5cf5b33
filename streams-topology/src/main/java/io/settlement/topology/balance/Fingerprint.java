package io.settlement.topology.balance;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.avro.DepositCancelled;
import io.settlement.avro.DepositConfirmed;
import io.settlement.avro.DepositInitiated;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.OrderReserved;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.WithdrawCancelled;
import io.settlement.avro.WithdrawConfirmed;
import io.settlement.avro.WithdrawRequested;

/**
 * A 64-bit fingerprint of a command's content without its {@code created_at}, so a retry
 * (same content, maybe stamped anew) is told from a conflicting reuse of its id. Computed from
 * the fields directly, without serializing. Not cryptographic: ids are the producers' own.
 */
public final class Fingerprint {
    private static final long SEED = 0x9E3779B97F4A7C15L;
    private static final long MULTIPLIER = 0xBF58476D1CE4E5B9L;
    private static final long NULL = 0x5BD1E9955BD1E995L;

    private Fingerprint() {}

    public static long of(BalanceOperation op) {
        long h = mix(mix(SEED, op.getCommandId()), op.getUserId());
        // The kind is part of the command's key, so the operation's type needs no place here.
        Object operation = op.getOperation();
        if (operation instanceof Deposit d) {
            return mix(mix(h, d.getAsset()), d.getAmount());
        } else if (operation instanceof DepositInitiated d) {
            return mix(mix(mix(h, d.getDepositId()), d.getAsset()), d.getAmount());
        } else if (operation instanceof DepositConfirmed d) {
            return mix(h, d.getDepositId());
        } else if (operation instanceof DepositCancelled d) {
            return mix(h, d.getDepositId());
        } else if (operation instanceof WithdrawRequested w) {
            return mix(mix(mix(h, w.getWithdrawalId()), w.getAsset()), w.getAmount());
        } else if (operation instanceof WithdrawConfirmed w) {
            return mix(h, w.getWithdrawalId());
        } else if (operation instanceof WithdrawCancelled w) {
            return mix(h, w.getWithdrawalId());
        } else if (operation instanceof OrderReserved o) {
            return mix(mix(mix(h, o.getOrderId()), o.getAsset()), o.getAmount());
        } else if (operation instanceof OrderReleased o) {
            return mix(mix(h, o.getOrderId()), o.getFilledTotal());
        }
        throw new IllegalStateException("unknown balance operation " + operation.getClass());
    }

    public static long of(TransferRequest t) {
        long h = mix(mix(SEED, t.getRequestId()), t.getUserId());
        h = mix(mix(h, t.getFromWallet().ordinal()), t.getToWallet().ordinal());
        return mix(mix(h, t.getAsset()), t.getAmount());
    }

    public static long of(TradeLeg leg) {
        long h = mix(mix(SEED, leg.getTradeId()), leg.getUserId());
        h = mix(mix(h, leg.getSide().ordinal()), leg.getPhase().ordinal());
        h = mix(mix(mix(h, leg.getAsset()), leg.getAmount()), leg.getFee());
        return mix(h, leg.getOrderId());
    }

    static long mix(long h, long value) {
        long x = (h ^ value) * MULTIPLIER;
        return x ^ (x >>> 31);
    }

    static long mix(long h, String value) {
        if (value == null) {
            return mix(h, NULL);
        }
        h = mix(h, value.length());
        for (int i = 0; i < value.length(); i++) {
            h = mix(h, value.charAt(i));
        }
        return h;
    }
}
