package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.sink.Health;
import org.junit.jupiter.api.Test;

class SinksTest {
    @Test
    void aSinkThatIsNotConfiguredIsHealthyAndSaysSo() {
        assertThat(Sinks.off("scylla.contact.points"))
                .isEqualTo(Health.up("OFF: not configured (scylla.contact.points is empty)"));
    }
}
