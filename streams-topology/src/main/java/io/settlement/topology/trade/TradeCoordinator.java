package io.settlement.topology.trade;

import io.settlement.avro.LegResult;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.Topics;
import io.settlement.avro.CommandKind;
import io.settlement.topology.ExpiryIndex;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import java.time.Instant;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trade coordinator: consumes trades (re-keyed by trade id) and the balance tasks' leg
 * results (keyed by trade id, co-partitioned with them), keeps each trade's state in store
 * {@value StoreNames#TRADES}, and emits trade legs, the one result per trade and dead letters
 * for answers it cannot place. The protocol itself is {@link TradeSettlement}; this class only
 * reads and writes the stores and forwards.
 *
 * <p>A trade id is remembered for ever. When a trade ends, its id goes into the
 * {@value StoreNames#TRADE_EXPIRY} index, due one retention later; a wall-clock punctuator then
 * compacts the trade's full state into a {@link RetiredTrade} in {@value StoreNames#TRADE_IDS},
 * reading only what is due.
 */
final class TradeCoordinator implements Processor<String, CoordinatorInput, String, CoordinatorOutput> {
    /** Trades compacted per punctuation at most; the rest waits for the next one. */
    static final int RETIRES_MAX = 20_000;

    private static final Logger log = LoggerFactory.getLogger(TradeCoordinator.class);

    private final Topics topics;
    private final SettlementConfig config;
    private final TradeSettlement settlement;
    private ProcessorContext<String, CoordinatorOutput> context;
    private KeyValueStore<String, TradeState> trades;
    private KeyValueStore<String, RetiredTrade> retired;
    private ExpiryIndex expiry;

    TradeCoordinator(Topics topics, SettlementConfig config) {
        this.topics = topics;
        this.config = config;
        this.settlement = new TradeSettlement(config.assets(), config.commandRetention(), config.tradeProtocol());
    }

    @Override
    public void init(ProcessorContext<String, CoordinatorOutput> context) {
        this.context = context;
        this.trades = context.getStateStore(StoreNames.TRADES);
        this.retired = context.getStateStore(StoreNames.TRADE_IDS);
        this.expiry = new ExpiryIndex(context.getStateStore(StoreNames.TRADE_EXPIRY));
        context.schedule(config.purgeInterval(), PunctuationType.WALL_CLOCK_TIME, this::retireDueTrades);
    }

    @Override
    public void process(Record<String, CoordinatorInput> record) {
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        if (record.value() instanceof CoordinatorInput.TradeArrived arrived) {
            String tradeId = arrived.trade().getTradeId();
            boolean hasId = tradeId != null && !tradeId.isBlank();
            TradeState recorded = hasId ? trades.get(tradeId) : null;
            RetiredTrade retiredTrade = hasId && recorded == null ? retired.get(tradeId) : null;
            apply(record, tradeId, recorded, settlement.onTrade(recorded, retiredTrade, arrived.trade(), now), null);
        } else if (record.value() instanceof CoordinatorInput.LegAnswered answered) {
            LegResult answer = answered.answer();
            if (!answer.getTradeId().equals(record.key())) {
                // The tag covers the trade id the answer names, not the record key: an answer copied
                // under another key is not one the balance task sent, so it changes nothing.
                apply(record, answer.getTradeId(), null, TradeSettlement.Transition.anomaly(new TradeSettlement.Anomaly("LEG_RESULT_KEY_MISMATCH",
                        "leg result keyed " + record.key() + " names trade " + answer.getTradeId())), answer);
                return;
            }
            TradeState recorded = trades.get(answer.getTradeId());
            apply(record, answer.getTradeId(), recorded, settlement.onLegResult(recorded, answer, now), answer);
        } else {
            throw new IllegalStateException("unknown coordinator input " + record.value());
        }
    }

    private void apply(Record<String, CoordinatorInput> record, String tradeId, TradeState before, TradeSettlement.Transition step, LegResult answer) {
        if (step.state() != null) {
            trades.put(tradeId, step.state());
            if (step.state().getStatus() != TradeStatus.PENDING && (before == null || before.getStatus() == TradeStatus.PENDING)) {
                expiry.add(step.state().getFinishedAt().plus(config.commandRetention()).toEpochMilli(), tradeId);
            }
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

    /** Compacts final trades whose retention has passed: the full state goes, the id and its outcome stay. */
    private void retireDueTrades(long wallClockMs) {
        int retiredNow = expiry.takeDue(wallClockMs, RETIRES_MAX, tradeId -> {
            TradeState state = trades.get(tradeId);
            if (state != null && state.getStatus() != TradeStatus.PENDING) {
                retired.put(tradeId, RetiredTrade.of(state));
                trades.delete(tradeId);
            }
        });
        if (retiredNow > 0) {
            log.info("compacted {} final trades whose retention has passed", retiredNow);
        }
    }
}
