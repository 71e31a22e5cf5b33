package io.settlement.sink.tigerbeetle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransferRequestsTest {

    @Test
    void requestsNeverSplitAChainNorExceedTheLimitNorReorder() {
        // given many random sequences of chain lengths and limits (seeded, so a failure repeats)
        java.util.Random random = new java.util.Random(6);
        for (int trial = 0; trial < 1_000; trial++) {
            int eventsMax = 8 + random.nextInt(13);
            List<Integer> chainLengths = random.ints(random.nextInt(201), 1, 9).boxed().toList();

            // when the chains are packed into requests
            List<List<Integer>> requests = TransferRequests.split(chainLengths, Integer::intValue, eventsMax);

            // then every request fits, none is empty, and together they are the chains in order, each whole
            assertThat(requests).allSatisfy(request -> {
                assertThat(request).isNotEmpty();
                assertThat(request.stream().mapToInt(Integer::intValue).sum()).isLessThanOrEqualTo(eventsMax);
            });
            assertThat(requests.stream().flatMap(List::stream).toList()).isEqualTo(chainLengths);
        }
    }

    @Test
    void fullRequestsHold8190TransfersAndAChainThatWouldCrossTheLimitStartsTheNextRequest() {
        // given 4095 chains of two transfers, then one chain of three
        List<Integer> chains = new java.util.ArrayList<>(java.util.Collections.nCopies(4095, 2));
        chains.add(3);

        // when packed at TigerBeetle's limit
        List<List<Integer>> requests = TransferRequests.split(chains, Integer::intValue, LedgerMapping.EVENTS_PER_REQUEST_MAX);

        // then the first request is exactly full and the chain of three goes whole into the second
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).stream().mapToInt(Integer::intValue).sum()).isEqualTo(8190);
        assertThat(requests.get(1)).containsExactly(3);
    }

    @Test
    void aChainLongerThanARequestIsABug() {
        assertThatThrownBy(() -> TransferRequests.split(List.of(5), Integer::intValue, 4)).isInstanceOf(IllegalStateException.class);
    }
}
