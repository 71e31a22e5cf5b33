package io.settlement.topology.balance;

import io.settlement.avro.CommandKind;
import io.settlement.avro.LegPhase;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.TradeLeg;
import java.util.Objects;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Lets a CREDIT or a REFUND through only when it ends a DEBIT this balance task accepted, reading
 * the {@code commands} store. Only the trade coordinator writes trade legs, but the balance task
 * does not take that on trust: a CREDIT or a REFUND is the one record that moves money out of
 * CLEARING, so one forged onto the internal topic (a missing ACL, an old record written again)
 * would otherwise pay out money nobody put in. A side's CREDIT or REFUND must carry the terms of
 * its accepted DEBIT (the same trade instance, order, fee, what it pays and receives), must move
 * exactly what those terms say (a REFUND what the side paid, a CREDIT what it receives net of
 * its fee, plus the fee), and only one of the two ever applies.
 */
final class DebitBacking {
    private static final String KEY_PREFIX = CommandKind.TRADE_LEG.name() + ':';

    private final KeyValueStore<String, RememberedCommand> commands;
    private final Fingerprint fingerprints;

    DebitBacking(KeyValueStore<String, RememberedCommand> commands, Fingerprint fingerprints) {
        this.commands = commands;
        this.fingerprints = fingerprints;
    }

    /** The key a leg's answer is remembered under: {@code TRADE_LEG:<trade_id>/<SIDE>/<PHASE>}. */
    static String key(TradeLeg leg, LegPhase phase) {
        return KEY_PREFIX + leg.getTradeId() + '/' + leg.getSide() + '/' + phase;
    }

    /** Why this leg may not move money, or null when it may: a DEBIT always may, as far as backing goes. */
    String refusal(TradeLeg leg) {
        LegPhase phase = leg.getPhase();
        if (phase == LegPhase.DEBIT) {
            return null;
        }
        String side = leg.getSide() + " of trade " + leg.getTradeId();
        RememberedCommand debit = commands.get(key(leg, LegPhase.DEBIT));
        if (debit == null || debit.status() != ResultStatus.ACCEPTED) {
            return "a " + phase + " ends only an accepted DEBIT, and no DEBIT of the " + side + " was accepted";
        }
        if (!debit.sameContent(fingerprints.ofDebitEndedBy(leg))) {
            return "the " + phase + " of the " + side + " does not carry the terms of its accepted DEBIT";
        }
        boolean exact = phase == LegPhase.CREDIT
                ? Objects.equals(leg.getAsset(), leg.getReceivedAsset()) && leg.getAmount() > 0 && leg.getFee() >= 0
                        && leg.getAmount() - leg.getFee() == leg.getReceivedNet()
                : Objects.equals(leg.getAsset(), leg.getPaidAsset()) && leg.getAmount() == leg.getPaidAmount();
        if (!exact) {
            return "a CREDIT moves what its side receives (amount minus fee is received_net), a REFUND what its side paid; this "
                    + phase + " of the " + side + " moves something else";
        }
        LegPhase other = phase == LegPhase.CREDIT ? LegPhase.REFUND : LegPhase.CREDIT;
        if (commands.get(key(leg, other)) != null) {
            return "the " + side + " already ended with its " + other + "; a side ends once";
        }
        return null;
    }
}
