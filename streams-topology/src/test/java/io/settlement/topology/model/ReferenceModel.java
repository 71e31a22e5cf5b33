package io.settlement.topology.model;

import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.testsupport.ReferenceLedger;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A small sequential model of the settlement rules (docs/topology.md and docs/trades.md), written apart from the processor: plain maps, no stores, no postings. The property
 * test runs the same commands through both and compares every answer and every balance.
 */
final class ReferenceModel {
    /** An answer: status and reason (null when accepted). */
    record Answer(ResultStatus status, Reason reason) {
        static final Answer OK = new Answer(ResultStatus.ACCEPTED, null);
        /** No answer at all: a CREDIT or REFUND that ends no accepted DEBIT is only dead-lettered. */
        static final Answer UNBACKED = new Answer(null, null);

        static Answer no(Reason reason) {
            return new Answer(ResultStatus.REJECTED, reason);
        }
    }

    private static final class Order {
        long user;
        String asset;
        long reserved;
        long consumed;
        long released;
        long rejected;
        Long filledTotal;
        boolean closed;

        long remaining() {
            return reserved - consumed - released;
        }

        /** A released order closes when what its announced fills need reaches zero. */
        void closeIfDone() {
            closed |= filledTotal != null && remaining() == 0;
        }
    }

    private static final class Hold {
        long user;
        String asset;
        long amount;
        boolean open = true;
    }

    private record Remembered(Object content, Answer answer) {}

    private final Set<String> assets;
    /** Every user account and each system account's change, booked in the shared reference ledger. */
    final ReferenceLedger ledger = ReferenceLedger.unchecked();
    private final Map<String, Order> orders = new HashMap<>();
    private final Map<String, Hold> holds = new HashMap<>();
    private final Map<String, Remembered> remembered = new HashMap<>();

    ReferenceModel(Set<String> assets) {
        this.assets = assets;
    }

    /**
     * The idempotency layer: a retry repeats the first answer, a conflicting reuse is ID_CONFLICT,
     * an old command EXPIRED; an answer that claimed no id (a command that named something not
     * there yet) is no first answer, and the retry is a new attempt.
     */
    Answer command(String key, Object content, boolean expired, java.util.function.Supplier<Answer> apply) {
        Remembered first = remembered.get(key);
        io.settlement.avro.CommandKind kind = io.settlement.avro.CommandKind.valueOf(key.substring(0, key.indexOf(':')));
        if (first != null && io.settlement.topology.balance.ResultRules.claimsId(kind, first.answer().reason())) {
            return Objects.equals(first.content(), content) ? first.answer() : Answer.no(Reason.ID_CONFLICT);
        }
        Answer answer = expired ? Answer.no(Reason.EXPIRED) : apply.get();
        remembered.put(key, new Remembered(content, answer));
        return answer;
    }

    /**
     * A trade leg: a retry repeats the first answer and a conflicting reuse is ID_CONFLICT, as for
     * commands; a leg that is not backed (a CREDIT or REFUND that ends no accepted DEBIT) gets no
     * answer and is not remembered; legs never expire.
     */
    Answer leg(String key, Object content, java.util.function.BooleanSupplier backed, java.util.function.Supplier<Answer> apply) {
        Remembered first = remembered.get(key);
        if (first != null) {
            return Objects.equals(first.content(), content) ? first.answer() : Answer.no(Reason.ID_CONFLICT);
        }
        if (!backed.getAsBoolean()) {
            return Answer.UNBACKED;
        }
        Answer answer = apply.get();
        remembered.put(key, new Remembered(content, answer));
        return answer;
    }

    /** Whether this key's first answer was to this content, with this status. */
    boolean remembers(String key, Object content, ResultStatus status) {
        Remembered first = remembered.get(key);
        return first != null && Objects.equals(first.content(), content) && first.answer().status() == status;
    }

    boolean remembersAny(String key) {
        return remembered.containsKey(key);
    }

    Answer deposit(long user, String asset, long amount) {
        if (amount <= 0) {
            return Answer.no(Reason.INVALID_AMOUNT);
        }
        if (!assets.contains(asset)) {
            return Answer.no(Reason.UNKNOWN_ASSET);
        }
        ledger.addAvailable(user, "FUNDING", asset, amount);
        addSystem("EXTERNAL", asset, -amount);
        return Answer.OK;
    }

    Answer depositInitiated(long user, String depositId, String asset, long amount) {
        if (amount <= 0) {
            return Answer.no(Reason.INVALID_AMOUNT);
        }
        if (!assets.contains(asset)) {
            return Answer.no(Reason.UNKNOWN_ASSET);
        }
        if (holds.containsKey("D" + user + "/" + depositId)) {
            return Answer.no(Reason.DUPLICATE_DEPOSIT);
        }
        Hold hold = new Hold();
        hold.user = user;
        hold.asset = asset;
        hold.amount = amount;
        holds.put("D" + user + "/" + depositId, hold);
        ledger.addPending(user, "FUNDING", asset, amount);
        addSystem("EXTERNAL", asset, -amount);
        return Answer.OK;
    }

    Answer depositFinished(long user, String depositId, boolean confirmed) {
        Hold hold = holds.get("D" + user + "/" + depositId);
        if (hold == null || hold.user != user) {
            return Answer.no(Reason.UNKNOWN_DEPOSIT);
        }
        if (!hold.open) {
            return Answer.no(Reason.ALREADY_FINAL);
        }
        hold.open = false;
        ledger.touch(user, "FUNDING", hold.asset);
        ledger.addPending(user, "FUNDING", hold.asset, -hold.amount);
        if (confirmed) {
            ledger.addAvailable(user, "FUNDING", hold.asset, hold.amount);
        } else {
            addSystem("EXTERNAL", hold.asset, hold.amount);
        }
        return Answer.OK;
    }

    Answer withdrawRequested(long user, String withdrawalId, String asset, long amount) {
        if (amount <= 0) {
            return Answer.no(Reason.INVALID_AMOUNT);
        }
        if (!assets.contains(asset)) {
            return Answer.no(Reason.UNKNOWN_ASSET);
        }
        if (holds.containsKey("W" + user + "/" + withdrawalId)) {
            return Answer.no(Reason.DUPLICATE_WITHDRAWAL);
        }
        ledger.touch(user, "FUNDING", asset);
        if (ledger.available(user, "FUNDING", asset) < amount) {
            return Answer.no(Reason.INSUFFICIENT_AVAILABLE);
        }
        Hold hold = new Hold();
        hold.user = user;
        hold.asset = asset;
        hold.amount = amount;
        holds.put("W" + user + "/" + withdrawalId, hold);
        ledger.addAvailable(user, "FUNDING", asset, -amount);
        ledger.addFrozen(user, "FUNDING", asset, amount);
        return Answer.OK;
    }

    Answer withdrawFinished(long user, String withdrawalId, boolean confirmed) {
        Hold hold = holds.get("W" + user + "/" + withdrawalId);
        if (hold == null || hold.user != user) {
            return Answer.no(Reason.UNKNOWN_WITHDRAWAL);
        }
        if (!hold.open) {
            return Answer.no(Reason.ALREADY_FINAL);
        }
        hold.open = false;
        ledger.touch(user, "FUNDING", hold.asset);
        ledger.addFrozen(user, "FUNDING", hold.asset, -hold.amount);
        if (confirmed) {
            addSystem("EXTERNAL", hold.asset, hold.amount);
        } else {
            ledger.addAvailable(user, "FUNDING", hold.asset, hold.amount);
        }
        return Answer.OK;
    }

    Answer orderReserved(long user, String orderId, String asset, long amount) {
        if (amount <= 0) {
            return Answer.no(Reason.INVALID_AMOUNT);
        }
        if (!assets.contains(asset)) {
            return Answer.no(Reason.UNKNOWN_ASSET);
        }
        if (orders.containsKey(user + "/" + orderId)) {
            return Answer.no(Reason.DUPLICATE_ORDER);
        }
        ledger.touch(user, "SPOT", asset);
        if (ledger.available(user, "SPOT", asset) < amount) {
            return Answer.no(Reason.INSUFFICIENT_AVAILABLE);
        }
        Order order = new Order();
        order.user = user;
        order.asset = asset;
        order.reserved = amount;
        orders.put(user + "/" + orderId, order);
        ledger.addAvailable(user, "SPOT", asset, -amount);
        ledger.addFrozen(user, "SPOT", asset, amount);
        return Answer.OK;
    }

    Answer orderReleased(long user, String orderId, long filledTotal) {
        if (filledTotal < 0) {
            return Answer.no(Reason.INVALID_AMOUNT);
        }
        Order order = orders.get(user + "/" + orderId);
        if (order == null) {
            return Answer.no(Reason.UNKNOWN_ORDER);
        }
        if (order.filledTotal != null) {
            return Answer.no(Reason.ORDER_RELEASED);
        }
        if (filledTotal > order.reserved) {
            return Answer.no(Reason.FILL_EXCEEDS_RESERVATION);
        }
        long kept = Math.max(0, Math.min(filledTotal - order.consumed - order.rejected, order.remaining()));
        long back = order.remaining() - kept;
        order.filledTotal = filledTotal;
        order.released += back;
        order.closeIfDone();
        ledger.touch(user, "SPOT", order.asset);
        ledger.addFrozen(user, "SPOT", order.asset, -back);
        ledger.addAvailable(user, "SPOT", order.asset, back);
        return Answer.OK;
    }

    /** An operator's close of a released order: what it still holds returns to available. */
    Answer orderClosed(long user, String orderId) {
        Order order = orders.get(user + "/" + orderId);
        if (order == null) {
            return Answer.no(Reason.UNKNOWN_ORDER);
        }
        if (order.filledTotal == null) {
            return Answer.no(Reason.INVALID_COMMAND);
        }
        if (order.closed) {
            return Answer.no(Reason.ORDER_CLOSED);
        }
        ledger.touch(user, "SPOT", order.asset);
        ledger.addFrozen(user, "SPOT", order.asset, -order.remaining());
        ledger.addAvailable(user, "SPOT", order.asset, order.remaining());
        order.released += order.remaining();
        order.closed = true;
        return Answer.OK;
    }

    Answer transfer(long user, String from, String to, String asset, long amount) {
        if (amount <= 0) {
            return Answer.no(Reason.INVALID_AMOUNT);
        }
        if (!assets.contains(asset)) {
            return Answer.no(Reason.UNKNOWN_ASSET);
        }
        if (from.equals(to)) {
            return Answer.no(Reason.SAME_WALLET);
        }
        ledger.touch(user, from, asset);
        if (ledger.available(user, from, asset) < amount) {
            return Answer.no(Reason.INSUFFICIENT_AVAILABLE);
        }
        ledger.addAvailable(user, from, asset, -amount);
        ledger.addAvailable(user, to, asset, amount);
        return Answer.OK;
    }

    Answer debit(long user, String orderId, String asset, long amount) {
        if (amount <= 0) {
            return Answer.no(Reason.INVALID_AMOUNT);
        }
        if (!assets.contains(asset)) {
            return Answer.no(Reason.UNKNOWN_ASSET);
        }
        ledger.touch(user, "SPOT", asset);
        if (orderId == null) {
            if (ledger.available(user, "SPOT", asset) < amount) {
                return Answer.no(Reason.INSUFFICIENT_AVAILABLE);
            }
            ledger.addAvailable(user, "SPOT", asset, -amount);
        } else {
            Order order = orders.get(user + "/" + orderId);
            if (order == null) {
                return Answer.no(Reason.UNKNOWN_ORDER);
            }
            if (!order.asset.equals(asset)) {
                return Answer.no(Reason.ASSET_MISMATCH);
            }
            if (order.closed) {
                return Answer.no(Reason.ORDER_CLOSED);
            }
            if (amount > order.remaining()) {
                if (order.filledTotal == null) {
                    order.rejected += amount;
                }
                return Answer.no(Reason.FILL_EXCEEDS_RESERVATION);
            }
            order.consumed += amount;
            order.closeIfDone();
            ledger.addFrozen(user, "SPOT", asset, -amount);
        }
        addSystem("CLEARING", asset, amount);
        return Answer.OK;
    }

    /**
     * A refund returns into its order until the order is released (and the release will not wait
     * for that fill); to available after that, or when it names no open order its fills took that much from.
     */
    Answer refund(long user, String orderId, String asset, long amount) {
        if (amount <= 0) {
            return Answer.no(Reason.INVALID_AMOUNT);
        }
        if (!assets.contains(asset)) {
            return Answer.no(Reason.UNKNOWN_ASSET);
        }
        Order order = orderId == null ? null : orders.get(user + "/" + orderId);
        boolean ofOrder = order != null && !order.closed && order.asset.equals(asset) && amount <= order.consumed;
        if (ofOrder && order.filledTotal == null) {
            order.consumed -= amount;
            order.rejected += amount;
            ledger.addFrozen(user, "SPOT", asset, amount);
        } else {
            if (ofOrder) {
                order.consumed -= amount;
                order.released += amount;
                order.closeIfDone();
            }
            ledger.addAvailable(user, "SPOT", asset, amount);
        }
        addSystem("CLEARING", asset, -amount);
        return Answer.OK;
    }

    Answer credit(long user, String asset, long amount, long fee) {
        if (amount <= 0) {
            return Answer.no(Reason.INVALID_AMOUNT);
        }
        if (!assets.contains(asset)) {
            return Answer.no(Reason.UNKNOWN_ASSET);
        }
        if (fee < 0) {
            return Answer.no(Reason.INVALID_AMOUNT);
        }
        if (fee > amount) {
            return Answer.no(Reason.FEE_TOO_LARGE);
        }
        ledger.addAvailable(user, "SPOT", asset, amount - fee);
        addSystem("CLEARING", asset, -amount);
        addSystem("FEES", asset, fee);
        return Answer.OK;
    }

    private void addSystem(String type, String asset, long delta) {
        ledger.addSystem(type, asset, delta);
    }
}
