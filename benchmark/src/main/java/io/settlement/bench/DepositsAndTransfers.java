package io.settlement.bench;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.CommandKind;
import io.settlement.avro.Deposit;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.contract.Topics;
import java.time.Instant;
import java.util.SplittableRandom;

/**
 * Workload A: single-step commands over many users. Deposits credit FUNDING; internal
 * transfers move part of what the generator believes is available between FUNDING and SPOT.
 * The generator keeps its own model of every user's balance so that almost every command is
 * one the engine accepts (a transfer may still meet an unfunded wallet when it overtakes its
 * deposit, which arrives on another topic); the verification checks results and invariants,
 * not this model. Seeded: the same seed, users and count give the same bytes.
 */
final class DepositsAndTransfers {
    static final String[] ASSETS = {"BTC", "USDT", "ETH"};
    /** Largest single deposit, minor units. */
    static final long DEPOSIT_MAX = 1_000_000_000L;

    private final SplittableRandom random;
    private final long firstUser;
    private final int users;
    private final long[] funding;
    private final long[] spot;

    DepositsAndTransfers(long seed, long firstUser, int users) {
        this.random = new SplittableRandom(seed);
        this.firstUser = firstUser;
        this.users = users;
        this.funding = new long[users * ASSETS.length];
        this.spot = new long[users * ASSETS.length];
    }

    Workload generate(String name, Topics topics, int partitions, String idPrefix, int count, Instant createdAt) {
        CommandEncoder encoder = new CommandEncoder(topics, partitions, idPrefix);
        while (encoder.size() < count) {
            int user = random.nextInt(users);
            int asset = random.nextInt(ASSETS.length);
            int slot = user * ASSETS.length + asset;
            long userId = firstUser + user;
            boolean deposit = (funding[slot] == 0 && spot[slot] == 0) || random.nextInt(100) < 45;
            if (deposit) {
                long amount = 1 + random.nextLong(DEPOSIT_MAX);
                encoder.operation(new BalanceOperation(encoder.nextId(), userId, createdAt, new Deposit(ASSETS[asset], amount)),
                        CommandKind.DEPOSIT, PreparedCommand.Expected.ANY);
                funding[slot] += amount;
            } else {
                boolean toSpot = funding[slot] > 0 && (spot[slot] == 0 || random.nextBoolean());
                long from = toSpot ? funding[slot] : spot[slot];
                long amount = 1 + random.nextLong(from);
                encoder.transfer(new TransferRequest(encoder.nextId(), userId, toSpot ? Wallet.FUNDING : Wallet.SPOT,
                        toSpot ? Wallet.SPOT : Wallet.FUNDING, ASSETS[asset], amount, createdAt), PreparedCommand.Expected.ANY);
                funding[slot] += toSpot ? -amount : amount;
                spot[slot] += toSpot ? amount : -amount;
            }
        }
        return new Workload(name, idPrefix, encoder.commands());
    }
}
