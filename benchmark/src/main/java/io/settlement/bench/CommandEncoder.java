package io.settlement.bench;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.CommandKind;
import io.settlement.avro.Trade;
import io.settlement.avro.TransferRequest;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes a workload's commands with the contract's serdes and places them with the
 * contract's partitioner ({@link UserPartitioner}), never a client default. Collects them, in
 * order, into the list a run sends. Command ids are {@code <prefix><slot>}, so a result's key
 * leads back to the command it answers without a lookup table.
 */
final class CommandEncoder {
    private final Topics topics;
    private final int partitions;
    private final String idPrefix;
    private final Serializer<BalanceOperation> operations;
    private final Serializer<TransferRequest> transfers;
    private final Serializer<Trade> trades;
    private final List<PreparedCommand> commands = new ArrayList<>();

    CommandEncoder(Topics topics, int partitions, String idPrefix) {
        this.topics = topics;
        this.partitions = partitions;
        this.idPrefix = idPrefix;
        this.operations = topics.balanceOperations().valueSerde().serializer();
        this.transfers = topics.transferRequests().valueSerde().serializer();
        this.trades = topics.trades().valueSerde().serializer();
    }

    /** The id the next command gets. */
    String nextId() {
        return idPrefix + commands.size();
    }

    int size() {
        return commands.size();
    }

    List<PreparedCommand> commands() {
        return commands;
    }

    PreparedCommand get(int index) {
        return commands.get(index);
    }

    void operation(BalanceOperation operation, CommandKind kind, PreparedCommand.Expected expected) {
        add(topics.balanceOperations().name(), operation.getUserId(), operations.serialize(topics.balanceOperations().name(), operation),
                kind, operation.getCommandId(), false, expected, false);
    }

    /** A balance operation deliberately sent to a partition its user does not belong on (the partitioning rule). */
    void operationOnWrongPartition(BalanceOperation operation, CommandKind kind, PreparedCommand.Expected expected) {
        add(topics.balanceOperations().name(), operation.getUserId(), operations.serialize(topics.balanceOperations().name(), operation),
                kind, operation.getCommandId(), false, expected, true);
    }

    void transfer(TransferRequest transfer, PreparedCommand.Expected expected) {
        add(topics.transferRequests().name(), transfer.getUserId(), transfers.serialize(topics.transferRequests().name(), transfer),
                CommandKind.INTERNAL_TRANSFER, transfer.getRequestId(), false, expected, false);
    }

    void trade(Trade trade, PreparedCommand.Expected expected) {
        byte[] key = trade.getTradeId().getBytes(StandardCharsets.UTF_8);
        int partition = UserPartitioner.partitionOf(key, partitions);
        byte[] value = trades.serialize(topics.trades().name(), trade);
        String resultKey = CommandKeys.of(CommandKind.TRADE, trade.getTradeId());
        commands.add(new PreparedCommand(topics.trades().name(), partition, key, value, slotOf(trade.getTradeId()), resultKey,
                reuses(trade.getTradeId()), true, expected));
    }

    private void add(String topic, long userId, byte[] value, CommandKind kind, String commandId, boolean trade,
                     PreparedCommand.Expected expected, boolean wrongPartition) {
        byte[] key = UserPartitioner.keyBytes(userId);
        int partition = UserPartitioner.partitionOf(key, partitions);
        if (wrongPartition) {
            partition = (partition + 1) % partitions;
        }
        commands.add(new PreparedCommand(topic, partition, key, value, slotOf(commandId), CommandKeys.of(kind, userId, commandId),
                reuses(commandId), trade, expected));
    }

    private boolean reuses(String commandId) {
        return slotOf(commandId) != commands.size();
    }

    /** The slot a command id names: the index of the command that used it first. */
    int slotOf(String commandId) {
        if (!commandId.startsWith(idPrefix)) {
            throw new IllegalArgumentException("command id " + commandId + " is not one of this workload's");
        }
        return Integer.parseInt(commandId.substring(idPrefix.length()));
    }
}
