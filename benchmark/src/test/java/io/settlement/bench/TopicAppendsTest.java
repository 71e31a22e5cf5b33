package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicAppendsTest {
    private static final List<String> APPS = List.of("bench-ceiling-ab12", "bench-settlement-ab12");

    @Test
    void namesAnApplicationsOwnTopicsWithoutItsIdAndOthersAsTheyAre() {
        assertThat(TopicAppends.label("bench-settlement-ab12-balances-changelog", APPS)).isEqualTo("changelog balances");
        assertThat(TopicAppends.label("bench-settlement-ab12-trades-by-id-repartition", APPS)).isEqualTo("repartition trades-by-id");
        assertThat(TopicAppends.label("settlement.results", APPS)).isEqualTo("settlement.results");
        assertThat(TopicAppends.label("__consumer_offsets", APPS)).isEqualTo("__consumer_offsets");
    }

    @Test
    void countsWhatEachTopicGrewPerCommandLargestFirstWithTheTotalLast() {
        TopicAppends.Ends before = new TopicAppends.Ends(Map.of("settlement.results", 100L, "balance.events", 0L, "idle", 7L));
        TopicAppends.Ends after = new TopicAppends.Ends(Map.of("settlement.results", 1_100L, "balance.events", 1_500L, "idle", 7L,
                "bench-settlement-ab12-commands-changelog", 1_020L));

        Map<String, Double> perCommand = TopicAppends.perCommand(before, after, 1_000, topic -> TopicAppends.label(topic, APPS));

        assertThat(perCommand).containsExactly(Map.entry("balance.events", 1.5), Map.entry("changelog commands", 1.02),
                Map.entry("settlement.results", 1.0), Map.entry("total", 3.52));
        assertThat(TopicAppends.line(perCommand)).isEqualTo("balance.events 1.50, changelog commands 1.02, settlement.results 1.00, total 3.52");
    }
}
