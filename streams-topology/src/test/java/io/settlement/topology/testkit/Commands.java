package io.settlement.topology.testkit;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.avro.DepositCancelled;
import io.settlement.avro.DepositConfirmed;
import io.settlement.avro.DepositInitiated;
import io.settlement.avro.ChainStep;
import io.settlement.avro.LegPhase;
import io.settlement.avro.OrderClosed;
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

    public BalanceOperation orderClosed(String commandId, long userId, String orderId) {
        return operation(commandId, userId, new OrderClosed(orderId));
    }

    public TransferRequest transfer(String requestId, long userId, Wallet from, Wallet to, String asset, long amount) {
        return new TransferRequest(requestId, userId, from, to, asset, amount, clock.get());
    }

    /**
     * A trade leg on its own; {@code orderId} null for a debit from SPOT.available. Its side pays
     * {@code asset} (a DEBIT or REFUND) or receives it (a CREDIT); the other half of the side's
     * trade is an empty amount of another asset, so the leg keeps room only for itself. A DEBIT and
     * a REFUND made with the same arguments belong together; a CREDIT made here ends no DEBIT (use
     * {@link #side} for a whole side).
     */
    public TradeLeg leg(String tradeId, long userId, TradeSide side, LegPhase phase, String asset, long amount, long fee, String orderId) {
        String other = "BTC".equals(asset) ? "USDT" : "BTC";
        return phase == LegPhase.CREDIT
                ? leg(tradeId, userId, side, phase, asset, amount, fee, orderId, other, 0, asset, amount - fee)
                : leg(tradeId, userId, side, phase, asset, amount, fee, orderId, asset, amount, other, 0);
    }

    /**
     * One side of a trade, whose legs are built as the trade coordinator builds them: every leg
     * carries the side's terms (order, fee, what it pays and receives), so its CREDIT or REFUND
     * ends exactly its DEBIT.
     */
    public SideLegs side(String tradeId, long userId, TradeSide side, String paidAsset, long paidAmount,
                         String receivedAsset, long receivedAmount, long fee, String orderId) {
        return new SideLegs(tradeId, userId, side, paidAsset, paidAmount, receivedAsset, receivedAmount, fee, orderId);
    }

    /** The legs of one side of a trade; see {@link #side}. */
    public final class SideLegs {
        private final String tradeId;
        private final long userId;
        private final TradeSide side;
        private final String paidAsset;
        private final long paidAmount;
        private final String receivedAsset;
        private final long receivedAmount;
        private final long fee;
        private final String orderId;

        private SideLegs(String tradeId, long userId, TradeSide side, String paidAsset, long paidAmount,
                         String receivedAsset, long receivedAmount, long fee, String orderId) {
            this.tradeId = tradeId;
            this.userId = userId;
            this.side = side;
            this.paidAsset = paidAsset;
            this.paidAmount = paidAmount;
            this.receivedAsset = receivedAsset;
            this.receivedAmount = receivedAmount;
            this.fee = fee;
            this.orderId = orderId;
        }

        public TradeLeg debit() {
            return leg(tradeId, userId, side, LegPhase.DEBIT, paidAsset, paidAmount, fee, orderId, paidAsset, paidAmount, receivedAsset, receivedAmount - fee);
        }

        public TradeLeg credit() {
            return leg(tradeId, userId, side, LegPhase.CREDIT, receivedAsset, receivedAmount, fee, orderId, paidAsset, paidAmount, receivedAsset, receivedAmount - fee);
        }

        public TradeLeg refund() {
            return leg(tradeId, userId, side, LegPhase.REFUND, paidAsset, paidAmount, fee, orderId, paidAsset, paidAmount, receivedAsset, receivedAmount - fee);
        }
    }

    /** A trade leg that says what its side pays and receives in the whole trade. */
    public TradeLeg leg(String tradeId, long userId, TradeSide side, LegPhase phase, String asset, long amount, long fee, String orderId,
                        String paidAsset, long paidAmount, String receivedAsset, long receivedNet) {
        return new TradeLeg(tradeId, userId, side, phase, asset, amount, fee, orderId, clock.get(), "trade-digest-" + tradeId,
                paidAsset, paidAmount, receivedAsset, receivedNet, ChainStep.NONE, null, null, null, null);
    }
}
