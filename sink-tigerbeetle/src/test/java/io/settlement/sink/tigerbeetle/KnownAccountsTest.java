package io.settlement.sink.tigerbeetle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KnownAccountsTest {
    static LedgerId account(long owner, int type) {
        return new LedgerId(owner, (1L << 32) | ((long) type << 16) | 1);
    }

    @Test
    void knowsWhatWasAddedAndNothingElseBeyondTheFirstTablesSize() {
        // given more accounts than the first table holds, of owners that differ in one bit and of system accounts (owner 0)
        KnownAccounts known = new KnownAccounts(1_000_000);
        List<LedgerId> added = new ArrayList<>();
        for (long owner = 0; owner < 20_000; owner++) {
            added.add(account(owner, 1));
            added.add(account(owner, 2));
        }

        // when they are added (twice each)
        added.forEach(known::add);
        added.forEach(known::add);

        // then each is known, and neighbours never added are not
        assertThat(added).allMatch(known::contains);
        assertThat(known.contains(account(20_000, 1))).isFalse();
        assertThat(known.contains(account(7, 3))).isFalse();
        assertThat(known.contains(new LedgerId(1, 1))).isFalse();
    }

    @Test
    void holdsAtMostItsMaximumAndAtLeastHalfOfItTheNewest() {
        // given a bound of 100 accounts
        KnownAccounts known = new KnownAccounts(100);

        // when 1,000 are added in turn
        for (long owner = 1; owner <= 1_000; owner++) {
            known.add(account(owner, 1));
        }

        // then the newest 50 are known, and no more than 100 are
        for (long owner = 951; owner <= 1_000; owner++) {
            assertThat(known.contains(account(owner, 1))).as("owner %d", owner).isTrue();
        }
        long remembered = 0;
        for (long owner = 1; owner <= 1_000; owner++) {
            remembered += known.contains(account(owner, 1)) ? 1 : 0;
        }
        assertThat(remembered).isBetween(50L, 100L);
        assertThat(known.contains(account(1, 1))).isFalse();
    }
}
