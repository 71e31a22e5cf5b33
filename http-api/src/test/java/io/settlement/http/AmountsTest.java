package io.settlement.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settlement.topology.Asset;
import org.junit.jupiter.api.Test;

class AmountsTest {
    private static final Asset BTC = new Asset("BTC", 1, 8);

    @Test
    void parsesDecimalTextExactlyIntoMinorUnits() {
        assertThat(Amounts.parsePositive("0.5", BTC)).isEqualTo(50_000_000L);
        assertThat(Amounts.parsePositive("9100", BTC)).isEqualTo(910_000_000_000L);
        assertThat(Amounts.parsePositive("0.00000001", BTC)).isEqualTo(1L);
        assertThat(Amounts.parsePositive("1.10000000000", BTC)).isEqualTo(110_000_000L);
        assertThat(Amounts.parsePositive("92233720368.54775807", BTC)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void rejectsEveryMalformedAmountWithItsCode() {
        assertCode("", ErrorCode.INVALID_AMOUNT);
        assertCode("-1", ErrorCode.INVALID_AMOUNT);
        assertCode("0", ErrorCode.INVALID_AMOUNT);
        assertCode("0.000000000", ErrorCode.INVALID_AMOUNT);
        assertCode("1e3", ErrorCode.INVALID_AMOUNT);
        assertCode("1,5", ErrorCode.INVALID_AMOUNT);
        assertCode(".5", ErrorCode.INVALID_AMOUNT);
        assertCode("0.123456789", ErrorCode.TOO_MANY_DECIMALS);
        assertCode("92233720368.54775808", ErrorCode.AMOUNT_TOO_LARGE);
        assertCode("1".repeat(60), ErrorCode.AMOUNT_TOO_LARGE);
    }

    @Test
    void formatsAtTheAssetsScaleOrInTheShortestForm() {
        assertThat(Amounts.format(50_000_000L, 8)).isEqualTo("0.50000000");
        assertThat(Amounts.format(0L, 8)).isEqualTo("0.00000000");
        assertThat(Amounts.formatShort(910_000_000_000L, 8)).isEqualTo("9100");
        assertThat(Amounts.formatShort(50_000_000L, 8)).isEqualTo("0.5");
        assertThat(Amounts.formatShort(0L, 8)).isEqualTo("0");
    }

    private static void assertCode(String text, ErrorCode code) {
        assertThatThrownBy(() -> Amounts.parsePositive(text, BTC))
                .isInstanceOf(ApiError.class)
                .satisfies(e -> assertThat(((ApiError) e).code()).isEqualTo(code));
    }
}
