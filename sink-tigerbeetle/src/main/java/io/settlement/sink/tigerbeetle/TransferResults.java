package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.CreateTransferResult;
import io.settlement.sink.tigerbeetle.LedgerClient.TransferError;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Attributes the answer to one create_transfers request to the journal entries whose chains
 * made the request. TigerBeetle answers only for failed events, by index; within a failed chain
 * the first failing event carries the cause and the others {@code linked_event_failed}.
 *
 * <p>A replayed chain answers {@code exists} for its first transfer and
 * {@code linked_event_failed} for the rest (the {@code exists} breaks the chain before the others
 * are looked at). Chains are atomic, so an existing first transfer means the whole chain was
 * applied before: that is {@link EntryOutcome.Status#ALREADY_APPLIED}. Any other answer, including
 * {@code exists} on a later transfer or {@code exists_with_different_*}, means the ledgers
 * disagree.
 */
public final class TransferResults {
    private TransferResults() {}

    /** One outcome per entry, in the order of {@code request}. */
    public static List<EntryOutcome> attribute(List<MappedEntry> request, List<TransferError> errors) {
        if (errors.isEmpty()) {
            // The common answer, every transfer created: no chain to look at.
            return Collections.nCopies(request.size(), EntryOutcome.APPLIED);
        }
        int events = request.stream().mapToInt(MappedEntry::size).sum();
        Map<Integer, CreateTransferResult> byIndex = new HashMap<>();
        for (TransferError error : errors) {
            if (error.index() < 0 || error.index() >= events) {
                throw new IllegalStateException("TigerBeetle answered for event " + error.index() + " of " + events);
            }
            if (byIndex.put(error.index(), error.result()) != null) {
                throw new IllegalStateException("TigerBeetle answered twice for event " + error.index());
            }
        }
        List<EntryOutcome> outcomes = new ArrayList<>(request.size());
        int first = 0;
        for (MappedEntry entry : request) {
            List<CreateTransferResult> chain = new ArrayList<>(entry.size());
            for (int i = 0; i < entry.size(); i++) {
                chain.add(byIndex.getOrDefault(first + i, CreateTransferResult.Ok));
            }
            outcomes.add(classify(chain));
            first += entry.size();
        }
        return outcomes;
    }

    /** The outcome of one chain, given the result of each of its transfers in order. */
    static EntryOutcome classify(List<CreateTransferResult> chain) {
        if (chain.stream().allMatch(result -> result == CreateTransferResult.Ok)) {
            return EntryOutcome.APPLIED;
        }
        boolean replayed = chain.get(0) == CreateTransferResult.Exists
                && chain.subList(1, chain.size()).stream().allMatch(result -> result == CreateTransferResult.LinkedEventFailed);
        if (replayed) {
            return EntryOutcome.ALREADY_APPLIED;
        }
        for (int i = 0; i < chain.size(); i++) {
            CreateTransferResult result = chain.get(i);
            if (result != CreateTransferResult.Ok && result != CreateTransferResult.LinkedEventFailed) {
                return EntryOutcome.disagrees(i, result);
            }
        }
        // Every failure is linked_event_failed: no event carries a cause, which TigerBeetle never does.
        return EntryOutcome.disagrees(0, CreateTransferResult.LinkedEventFailed);
    }
}
