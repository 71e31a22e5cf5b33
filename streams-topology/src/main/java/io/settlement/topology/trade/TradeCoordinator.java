package io.settlement.topology.trade;

import io.settlement.avro.LegResult;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.Topics;
import io.settlement.avro.CommandKind;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trade coordinator: consumes trades (re-keyed by trade id) and the balance tasks' leg
 * results (keyed by trade id, co-partitioned with them), keeps each trade's state in store
 * {@value StoreNames#TRADES}, and emits trade legs, the one result per trade and dead letters
 * for answers it cannot place. The protocol itself is {@link TradeSettlement}; this class only
 * reads and writes the store and forwards. A wall-clock punctuator forgets final trades older
 * than the command retention (a trade executed before that is rejected EXPIRED, so a replay of
 * a forgotten trade can never settle twice).
 */
final class TradeCoordinator implements Processor<String, CoordinatorInput, String, CoordinatorOutput> {
    /** Final trades forgotten per purge run at most, so one punctuation never stalls the task. */
    static final int PURGE_DELETES_MAX = 10_000;

    private static final Logger log = LoggerFactory.getLogger(TradeCoordinator.class);

    private final Topics topics;
    private final SettlementConfig config;
    private final TradeSettlement settlement;
    private ProcessorContext<String, CoordinatorOutput> context;
    private KeyValueStore<String, TradeState> trades;

    TradeCoordinator(Topics topics, SettlementConfig config) {
        this.topics = topics;
        this.config = config;
        this.settlement = new TradeSettlement(config.assets(), config.commandRetention());
    }

    @Override
    public void init(ProcessorContext<String, CoordinatorOutput> context) {
        this.context = context;
        this.trades = context.getStateStore(StoreNames.TRADES);
        context.schedule(config.purgeInterval(), PunctuationType.WALL_CLOCK_TIME, this::purgeForgottenTrades);
    }

    @Override
    public void process(Record<String, CoordinatorInput> record) {
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        if (record.value() instanceof CoordinatorInput.TradeArrived arrived) {
            String tradeId = arrived.trade().getTradeId();
            TradeState recorded = tradeId == null || tradeId.isBlank() ? null : trades.get(tradeId);
            apply(record, tradeId, settlement.onTrade(recorded, arrived.trade(), now), null);
        } else if (record.value() instanceof CoordinatorInput.LegAnswered answered) {
            LegResult answer = answered.answer();
            apply(record, answer.getTradeId(), settlement.onLegResult(trades.get(answer.getTradeId()), answer, now), answer);
        } else {
            throw new IllegalStateException("unknown coordinator input " + record.value());
        }
    }

    private void apply(Record<String, CoordinatorInput> record, String tradeId, TradeSettlement.Step step, LegResult answer) {
        if (step.state() != null) {
            trades.put(tradeId, step.state());
        }
        for (TradeLeg leg : step.legs()) {
            context.forward(record.withKey(tradeId).withValue(new CoordinatorOutput.LegToSend(leg)));
        }
        for (SettlementResult result : step.results()) {
            String key = CommandKeys.of(CommandKind.TRADE, result.getCommandId());
            context.forward(record.withKey(tradeId).withValue(new CoordinatorOutput.TradeResult(key, result)));
        }
        if (step.anomaly() != null) {
            log.warn("trade {}: {} {}", tradeId, step.anomaly().code(), step.anomaly().detail());
            byte[] key = topics.legResults().keySerde().serializer().serialize(topics.legResults().name(), record.key());
            byte[] value = answer == null ? null : topics.legResults().valueSerde().serializer().serialize(topics.legResults().name(), answer);
            context.forward(record.withKey(tradeId)
                    .withValue(new CoordinatorOutput.DeadLetter(key, value))
                    .withHeaders(TradeDeadLetters.headers(context, step.anomaly().code(), step.anomaly().detail())));
        }
    }

    private void purgeForgottenTrades(long wallClockMs) {
        Instant horizon = Instant.ofEpochMilli(wallClockMs).minus(config.commandRetention());
        List<String> forgotten = new ArrayList<>();
        try (KeyValueIterator<String, TradeState> all = trades.all()) {
            while (all.hasNext() && forgotten.size() < PURGE_DELETES_MAX) {
                KeyValue<String, TradeState> entry = all.next();
                if (isForgettable(entry.value, horizon)) {
                    forgotten.add(entry.key);
                }
            }
        }
        forgotten.forEach(trades::delete);
        if (!forgotten.isEmpty()) {
            log.info("forgot {} final trades older than {}", forgotten.size(), horizon);
        }
    }

    /** Final, and both finished and executed before the horizon: a replay would be EXPIRED. */
    static boolean isForgettable(TradeState state, Instant horizon) {
        return state.getStatus() != TradeStatus.PENDING
                && state.getFinishedAt() != null
                && state.getFinishedAt().isBefore(horizon)
                && state.getTrade().getExecutedAt().isBefore(horizon);
    }
}
