package io.settlement.sink.tigerbeetle;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Packs chains into create_transfers requests of at most {@code eventsMax} transfers each, in
 * order, never splitting a chain across two requests (TigerBeetle only keeps a chain atomic
 * within one request, and a request ending in a linked transfer is refused).
 */
public final class TransferRequests {
    private TransferRequests() {}

    public static <T> List<List<T>> split(List<T> chains, ToIntFunction<T> chainLength, int eventsMax) {
        if (eventsMax <= 0 || eventsMax > LedgerMapping.EVENTS_PER_REQUEST_MAX) {
            throw new IllegalArgumentException("eventsMax must be 1.." + LedgerMapping.EVENTS_PER_REQUEST_MAX + ", was " + eventsMax);
        }
        List<List<T>> requests = new ArrayList<>();
        List<T> current = new ArrayList<>();
        int events = 0;
        for (T chain : chains) {
            int length = chainLength.applyAsInt(chain);
            if (length <= 0 || length > eventsMax) {
                throw new IllegalStateException("a chain of " + length + " transfers does not fit a request of " + eventsMax);
            }
            if (events + length > eventsMax) {
                requests.add(current);
                current = new ArrayList<>();
                events = 0;
            }
            current.add(chain);
            events += length;
        }
        if (!current.isEmpty()) {
            requests.add(current);
        }
        return requests;
    }
}
