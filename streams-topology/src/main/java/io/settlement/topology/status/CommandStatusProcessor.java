package io.settlement.topology.status;

import io.settlement.avro.SettlementResult;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.ResultRules;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the {@code command-status} store from {@code settlement.results}: per key
 * {@code KIND:command_id}, the first result wins. A later duplicate, ID_CONFLICT or EXPIRED
 * answer for a key that already has a status does not overwrite it (its producer still saw the
 * answer on the results topic). A status that never claimed the id (WRONG_PARTITION,
 * INVALID_USER, MISSING_ID) gives way to the id's first real result. Emits nothing.
 */
public final class CommandStatusProcessor implements Processor<String, SettlementResult, Void, Void> {
    private KeyValueStore<String, SettlementResult> statuses;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        statuses = context.getStateStore(StoreNames.COMMAND_STATUS);
    }

    @Override
    public void process(Record<String, SettlementResult> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        SettlementResult current = statuses.get(record.key());
        if (current == null || (!ResultRules.claimsId(current.getReason()) && ResultRules.claimsId(record.value().getReason()))) {
            statuses.put(record.key(), record.value());
        }
    }
}
