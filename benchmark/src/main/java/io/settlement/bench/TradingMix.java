package io.settlement.bench;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.CommandKind;
import io.settlement.avro.Deposit;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.OrderReserved;
import io.settlement.avro.Reason;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.contract.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Workload B: a trading mix. Traders fund their SPOT wallets (a deposit and a transfer when the
 * generator's model says they are short), reserve for orders, trade with random counterparties
 * (fees charged in the asset received), and release their orders with the fills' total; some
 * trades pay from SPOT.available without an order. Around it: a few plain transfers, and a few
 * commands that must be rejected, each with the reason it must get:
 * {@code SAME_WALLET}, {@code INVALID_AMOUNT}, {@code UNKNOWN_ASSET}, {@code UNKNOWN_ORDER},
 * {@code ID_CONFLICT} (an id reused with other content), {@code INSUFFICIENT_AVAILABLE} (a trade
 * whose buyer never had funds), {@code WRONG_PARTITION} (a deposit placed on the wrong partition,
 * the partitioning rule), and an exact retry that must be answered with the first result again.
 *
 * <p>Traders are funded in two set-up phases, each answered before the next starts
 * ({@link #fundingDeposits}, {@link #fundingTransfers}); a trader the model finds short later is
 * topped up by a deposit and a transfer, which may race each other. The model never counts trade proceeds or released remainders as spendable: they arrive
 * asynchronously through the coordinator, so counting them could make a later command race them.
 */
final class TradingMix {
    private static final String QUOTE = "USDT";
    private static final String[] BASES = {"BTC", "ETH"};
    /** A funding top-up covers this many times what the trade needs, so traders are not topped up every trade. */
    private static final long TOP_UP_FACTOR = 20;
    private static final long BASE_QTY_MAX = 1_000_000;
    private static final long QUOTE_QTY_MAX = 100_000_000;
    /** Fees: one part in this many of what a side receives. */
    private static final long FEE_DIVISOR = 1_000;
    private static final int MUST_REJECT_PERCENT = 3;
    private static final int EXTRA_TRANSFER_PERCENT = 7;
    private static final int WITH_ORDERS_PERCENT = 70;
    /** How many of its largest possible trades the set-up funds each trader for; later top-ups race (see {@link #fundingDeposits}). */
    private static final long TRADES_FUNDED = 200;

    private final SplittableRandom random;
    private final long firstTrader;
    private final int traders;
    private final long firstBrokeUser;
    /** Per trader and asset (BTC, USDT, ETH): what the model believes is on SPOT.available. */
    private final long[] spot;
    private long orders;
    private long brokeUsers;
    private int mustRejectTurn;

    TradingMix(long seed, long firstTrader, int traders, long firstBrokeUser) {
        this.random = new SplittableRandom(seed);
        this.firstTrader = firstTrader;
        this.traders = traders;
        this.firstBrokeUser = firstBrokeUser;
        this.spot = new long[traders * DepositsAndTransfers.ASSETS.length];
    }

    /**
     * Set-up phase 1: a deposit of every asset for every trader. Sent, and answered, before
     * phase 2: a transfer on {@code transfer.requests} may be processed before a deposit on
     * {@code balance.operations} that was produced earlier (the topics are separate partitions
     * of one task), and would find nothing to move.
     */
    Workload fundingDeposits(String name, Topics topics, int partitions, String idPrefix, Instant createdAt) {
        CommandEncoder encoder = new CommandEncoder(topics, partitions, idPrefix);
        for (int trader = 0; trader < traders; trader++) {
            for (String asset : DepositsAndTransfers.ASSETS) {
                encoder.operation(new BalanceOperation(encoder.nextId(), firstTrader + trader, createdAt, new Deposit(asset, funding(asset))),
                        CommandKind.DEPOSIT, PreparedCommand.Expected.ANY);
            }
        }
        return new Workload(name, idPrefix, encoder.commands());
    }

    /** Set-up phase 2: every trader moves its deposits to SPOT, where orders and trades draw from. */
    Workload fundingTransfers(String name, Topics topics, int partitions, String idPrefix, Instant createdAt) {
        CommandEncoder encoder = new CommandEncoder(topics, partitions, idPrefix);
        for (int trader = 0; trader < traders; trader++) {
            for (String asset : DepositsAndTransfers.ASSETS) {
                encoder.transfer(new TransferRequest(encoder.nextId(), firstTrader + trader, Wallet.FUNDING, Wallet.SPOT, asset, funding(asset), createdAt),
                        PreparedCommand.Expected.ANY);
                spot[slot(trader, asset)] += funding(asset);
            }
        }
        return new Workload(name, idPrefix, encoder.commands());
    }

    private static long funding(String asset) {
        return (QUOTE.equals(asset) ? QUOTE_QTY_MAX : BASE_QTY_MAX) * 3 / 2 * TRADES_FUNDED;
    }

    Workload generate(String name, Topics topics, int partitions, String idPrefix, int count, Instant createdAt) {
        CommandEncoder encoder = new CommandEncoder(topics, partitions, idPrefix);
        Encoders all = Encoders.of(encoder);
        Instant now = createdAt;
        while (encoder.size() < count) {
            int roll = random.nextInt(100);
            if (roll < MUST_REJECT_PERCENT) {
                mustReject(encoder, partitions, now);
            } else if (roll < MUST_REJECT_PERCENT + EXTRA_TRANSFER_PERCENT) {
                transferBack(encoder, now);
            } else {
                trade(all, now);
            }
        }
        // A trade's releases may overshoot the count by a few commands; the run sends them all.
        return new Workload(name, idPrefix, encoder.commands());
    }

    /**
     * Trades and nothing else in one phase: {@code count} trades drawn like the mix's (the same
     * traders, sizes, share with orders, fees), with what they need sent in phases of their own
     * around it, each to be answered before the next is sent: the top-up deposits, the top-up
     * transfers (after their deposits, so they do not race them), the orders' reservations, then
     * the trades, then the releases. What the broker appends while the trades phase runs is the
     * cost of trades alone.
     *
     * @param name the trades phase's name, the others' start with it
     * @param tag what the phases' id prefixes are made of: {@code idPrefix} gets it with a letter per phase (none for the trades)
     */
    TradesOnly tradesOnly(String name, String tag, Topics topics, int partitions, java.util.function.UnaryOperator<String> idPrefix,
                          int count, Instant createdAt) {
        String[] names = {name + " top-up deposits", name + " top-up transfers", name + " reservations", name, name + " releases"};
        String[] tags = {tag + "d", tag + "t", tag + "r", tag, tag + "l"};
        CommandEncoder[] encoders = new CommandEncoder[names.length];
        String[] prefixes = new String[names.length];
        for (int phase = 0; phase < names.length; phase++) {
            prefixes[phase] = idPrefix.apply(tags[phase]);
            encoders[phase] = new CommandEncoder(topics, partitions, prefixes[phase]);
        }
        Encoders phases = new Encoders(encoders[0], encoders[1], encoders[2], encoders[3], encoders[4]);
        for (int trade = 0; trade < count; trade++) {
            trade(phases, createdAt);
        }
        List<Workload> workloads = new ArrayList<>();
        for (int phase = 0; phase < names.length; phase++) {
            workloads.add(new Workload(names[phase], prefixes[phase], encoders[phase].commands()));
        }
        return new TradesOnly(workloads.subList(0, 3), workloads.get(3), workloads.get(4));
    }

    /**
     * The phases of {@link #tradesOnly}: {@code before} (top-up deposits, top-up transfers,
     * reservations; any may be empty), {@code trades} (trades only), {@code after} (the releases).
     */
    record TradesOnly(List<Workload> before, Workload trades, Workload after) {}

    /**
     * Where a trade's commands go: all into one encoder (the mix), or each kind into a phase of
     * its own ({@link #tradesOnly}).
     */
    private record Encoders(CommandEncoder deposits, CommandEncoder transfers, CommandEncoder reservations, CommandEncoder trades,
                            CommandEncoder releases) {
        static Encoders of(CommandEncoder one) {
            return new Encoders(one, one, one, one, one);
        }
    }

    private void trade(Encoders encoders, Instant now) {
        int buyer = random.nextInt(traders);
        int seller = (buyer + 1 + random.nextInt(traders - 1)) % traders;
        String base = BASES[random.nextInt(BASES.length)];
        long baseQty = 1 + random.nextLong(BASE_QTY_MAX);
        long quoteQty = 1 + random.nextLong(QUOTE_QTY_MAX);
        boolean withOrders = random.nextInt(100) < WITH_ORDERS_PERCENT;
        long buyerNeeds = withOrders ? quoteQty + random.nextLong(quoteQty / 2 + 1) : quoteQty;
        long sellerNeeds = withOrders ? baseQty + random.nextLong(baseQty / 2 + 1) : baseQty;
        ensureSpot(encoders.deposits(), encoders.transfers(), buyer, QUOTE, buyerNeeds, now);
        ensureSpot(encoders.deposits(), encoders.transfers(), seller, base, sellerNeeds, now);
        String buyerOrder = null;
        String sellerOrder = null;
        if (withOrders) {
            buyerOrder = "o" + encoders.reservations().nextId();
            reserve(encoders.reservations(), buyer, buyerOrder, QUOTE, buyerNeeds, now);
            sellerOrder = "o" + encoders.reservations().nextId();
            reserve(encoders.reservations(), seller, sellerOrder, base, sellerNeeds, now);
        } else {
            spot[slot(buyer, QUOTE)] -= buyerNeeds;
            spot[slot(seller, base)] -= sellerNeeds;
        }
        CommandEncoder encoder = encoders.trades();
        String tradeId = encoder.nextId();
        encoder.trade(new Trade(tradeId, base + "/" + QUOTE, base, QUOTE, baseQty, quoteQty,
                new TradeParty(firstTrader + buyer, buyerOrder, baseQty / FEE_DIVISOR),
                new TradeParty(firstTrader + seller, sellerOrder, quoteQty / FEE_DIVISOR), now), PreparedCommand.Expected.ANY);
        if (withOrders) {
            CommandEncoder releases = encoders.releases();
            releases.operation(new BalanceOperation(releases.nextId(), firstTrader + buyer, now, new OrderReleased(buyerOrder, quoteQty)),
                    CommandKind.ORDER_RELEASED, PreparedCommand.Expected.ANY);
            releases.operation(new BalanceOperation(releases.nextId(), firstTrader + seller, now, new OrderReleased(sellerOrder, baseQty)),
                    CommandKind.ORDER_RELEASED, PreparedCommand.Expected.ANY);
        }
    }

    private void reserve(CommandEncoder encoder, int trader, String orderId, String asset, long amount, Instant now) {
        encoder.operation(new BalanceOperation(encoder.nextId(), firstTrader + trader, now, new OrderReserved(orderId, asset, amount)),
                CommandKind.ORDER_RESERVED, PreparedCommand.Expected.ANY);
        spot[slot(trader, asset)] -= amount;
    }

    /** Deposits and moves to SPOT what the trader will need, when the model says SPOT is short. */
    private void ensureSpot(CommandEncoder deposits, CommandEncoder transfers, int trader, String asset, long needed, Instant now) {
        int slot = slot(trader, asset);
        if (spot[slot] >= needed) {
            return;
        }
        long topUp = needed * TOP_UP_FACTOR;
        deposits.operation(new BalanceOperation(deposits.nextId(), firstTrader + trader, now, new Deposit(asset, topUp)),
                CommandKind.DEPOSIT, PreparedCommand.Expected.ANY);
        transfers.transfer(new TransferRequest(transfers.nextId(), firstTrader + trader, Wallet.FUNDING, Wallet.SPOT, asset, topUp, now),
                PreparedCommand.Expected.ANY);
        spot[slot] += topUp;
    }

    /** A plain transfer of part of SPOT back to FUNDING. */
    private void transferBack(CommandEncoder encoder, Instant now) {
        int trader = random.nextInt(traders);
        String asset = random.nextBoolean() ? QUOTE : BASES[random.nextInt(BASES.length)];
        int slot = slot(trader, asset);
        if (spot[slot] <= 0) {
            ensureSpot(encoder, encoder, trader, asset, 1 + random.nextLong(BASE_QTY_MAX), now);
            return;
        }
        long amount = 1 + random.nextLong(Math.max(1, spot[slot] / 10));
        encoder.transfer(new TransferRequest(encoder.nextId(), firstTrader + trader, Wallet.SPOT, Wallet.FUNDING, asset, amount, now),
                PreparedCommand.Expected.ANY);
        spot[slot] -= amount;
    }

    private void mustReject(CommandEncoder encoder, int partitions, Instant now) {
        int trader = random.nextInt(traders);
        long userId = firstTrader + trader;
        switch (mustRejectTurn++ % 8) {
            case 0 -> encoder.transfer(new TransferRequest(encoder.nextId(), userId, Wallet.FUNDING, Wallet.FUNDING, QUOTE, 1L, now),
                    PreparedCommand.Expected.rejected(Reason.SAME_WALLET));
            case 1 -> encoder.operation(new BalanceOperation(encoder.nextId(), userId, now, new Deposit(QUOTE, 0L)),
                    CommandKind.DEPOSIT, PreparedCommand.Expected.rejected(Reason.INVALID_AMOUNT));
            case 2 -> encoder.operation(new BalanceOperation(encoder.nextId(), userId, now, new Deposit("XYZ", 5L)),
                    CommandKind.DEPOSIT, PreparedCommand.Expected.rejected(Reason.UNKNOWN_ASSET));
            case 3 -> encoder.operation(new BalanceOperation(encoder.nextId(), userId, now, new OrderReleased("never-reserved-" + encoder.nextId(), 0L)),
                    CommandKind.ORDER_RELEASED, PreparedCommand.Expected.rejected(Reason.UNKNOWN_ORDER));
            case 4 -> {
                // A small deposit, then another command under the same id with other content.
                BalanceOperation deposit = new BalanceOperation(encoder.nextId(), userId, now, new Deposit(QUOTE, 3L));
                encoder.operation(deposit, CommandKind.DEPOSIT, PreparedCommand.Expected.ANY);
                encoder.operation(new BalanceOperation(deposit.getCommandId(), userId, now, new Deposit(QUOTE, 4L)),
                        CommandKind.DEPOSIT, PreparedCommand.Expected.rejected(Reason.ID_CONFLICT));
            }
            case 5 -> {
                int seller = trader;
                String base = BASES[random.nextInt(BASES.length)];
                long baseQty = 1 + random.nextLong(BASE_QTY_MAX);
                ensureSpot(encoder, encoder, seller, base, baseQty, now);
                spot[slot(seller, base)] -= baseQty;
                long broke = firstBrokeUser + brokeUsers++;
                String tradeId = encoder.nextId();
                encoder.trade(new Trade(tradeId, base + "/" + QUOTE, base, QUOTE, baseQty, 1 + random.nextLong(QUOTE_QTY_MAX),
                        new TradeParty(broke, null, 0L), new TradeParty(firstTrader + seller, null, 0L), now),
                        PreparedCommand.Expected.rejected(Reason.INSUFFICIENT_AVAILABLE));
            }
            case 6 -> {
                if (partitions < 2) {
                    encoder.operation(new BalanceOperation(encoder.nextId(), userId, now, new Deposit(QUOTE, -1L)),
                            CommandKind.DEPOSIT, PreparedCommand.Expected.rejected(Reason.INVALID_AMOUNT));
                    return;
                }
                encoder.operationOnWrongPartition(new BalanceOperation(encoder.nextId(), userId, now, new Deposit(QUOTE, 7L)),
                        CommandKind.DEPOSIT, PreparedCommand.Expected.rejected(Reason.WRONG_PARTITION));
            }
            default -> {
                // A small deposit, then its exact retry: answered with the first result again, applied once.
                BalanceOperation deposit = new BalanceOperation(encoder.nextId(), userId, now, new Deposit(QUOTE, 5L));
                encoder.operation(deposit, CommandKind.DEPOSIT, PreparedCommand.Expected.ANY);
                encoder.operation(deposit, CommandKind.DEPOSIT, PreparedCommand.Expected.REPEAT_OF_FIRST);
            }
        }
    }

    private int slot(int trader, String asset) {
        int assetIndex = switch (asset) {
            case "BTC" -> 0;
            case "USDT" -> 1;
            case "ETH" -> 2;
            default -> throw new IllegalArgumentException(asset);
        };
        return trader * DepositsAndTransfers.ASSETS.length + assetIndex;
    }
}
