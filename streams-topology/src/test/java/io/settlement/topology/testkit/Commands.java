package io.settlement.topology.testkit;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.avro.DepositCancelled;
import io.settlement.avro.DepositConfirmed;
import io.settlement.avro.DepositInitiated;
import io.settlement.avro.LegPhase;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.OrderReserved;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeSide;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.avro.WithdrawCancelled;
import io.settlement.avro.WithdrawConfirmed;
import io.settlement.avro.WithdrawRequested;
import java.time.Instant;
import java.util.function.Supplier;

/** Builds input commands stamped with a clock (usually the driver's wall clock), so tests read as the domain. */
public final class Commands {
    private final Supplier<Instant> clock;

    public Commands(Supplier<Instant> clock) {
        this.clock = clock;
    }

    public BalanceOperation operation(String commandId, long userId, Object operation) {
        return new BalanceOperation(commandId, userId, clock.get(), operation);
    }

    public BalanceOperation deposit(String commandId, long userId, String asset, long amount) {
        return operation(commandId, userId, new Deposit(asset, amount));
    }

    public BalanceOperation depositInitiated(String commandId, long userId, String depositId, String asset, long amount) {
        return operation(commandId, userId, new DepositInitiated(depositId, asset, amount));
    }

    public BalanceOperation depositConfirmed(String commandId, long userId, String depositId) {
        return operation(commandId, userId, new DepositConfirmed(depositId));
    }

    public BalanceOperation depositCancelled(String commandId, long userId, String depositId) {
        return operation(commandId, userId, new DepositCancelled(depositId));
    }

    public BalanceOperation withdrawRequested(String commandId, long userId, String withdrawalId, String asset, long amount) {
        return operation(commandId, userId, new WithdrawRequested(withdrawalId, asset, amount));
    }

    public BalanceOperation withdrawConfirmed(String commandId, long userId, String withdrawalId) {
        return operation(commandId, userId, new WithdrawConfirmed(withdrawalId));
    }

    public BalanceOperation withdrawCancelled(String commandId, long userId, String withdrawalId) {
        return operation(commandId, userId, new WithdrawCancelled(withdrawalId));
    }

    public BalanceOperation orderReserved(String commandId, long userId, String orderId, String asset, long amount) {
        return operation(commandId, userId, new OrderReserved(orderId, asset, amount));
    }

    public BalanceOperation orderReleased(String commandId, long userId, String orderId, long filledTotal) {
        return operation(commandId, userId, new OrderReleased(orderId, filledTotal));
    }

    public TransferRequest transfer(String requestId, long userId, Wallet from, Wallet to, String asset, long amount) {
        return new TransferRequest(requestId, userId, from, to, asset, amount, clock.get());
    }

    /**
     * A trade leg as the coordinator sends it; {@code orderId} null for a debit from SPOT.available.
     * Its side pays {@code asset} (a DEBIT or REFUND) or receives it (a CREDIT); the other half of
     * the side's trade is an empty amount of another asset, so the leg keeps room only for itself.
     */
    public TradeLeg leg(String tradeId, long userId, TradeSide side, LegPhase phase, String asset, long amount, long fee, String orderId) {
        String other = "BTC".equals(asset) ? "USDT" : "BTC";
        return phase == LegPhase.CREDIT
                ? leg(tradeId, userId, side, phase, asset, amount, fee, orderId, other, 0, asset, amount - fee)
                : leg(tradeId, userId, side, phase, asset, amount, fee, orderId, asset, amount, other, 0);
    }

    /** A trade leg that says what its side pays and receives in the whole trade. */
    public TradeLeg leg(String tradeId, long userId, TradeSide side, LegPhase phase, String asset, long amount, long fee, String orderId,
                        String paidAsset, long paidAmount, String receivedAsset, long receivedNet) {
        return new TradeLeg(tradeId, userId, side, phase, asset, amount, fee, orderId, clock.get(), "trade-digest-" + tradeId,
                paidAsset, paidAmount, receivedAsset, receivedNet);
    }
}
