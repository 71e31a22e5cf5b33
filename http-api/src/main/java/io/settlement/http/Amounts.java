package io.settlement.http;

import io.settlement.topology.Asset;
import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * Converts between decimal text ("0.5" BTC) and minor units (50000000). {@link BigDecimal} is
 * used only to read and write text; amounts are {@code long} minor units everywhere else, and
 * nothing here ever goes through {@code double}.
 */
public final class Amounts {
    /** Longer amount text is rejected before parsing (a long has 19 digits; 18 decimals at most). */
    public static final int AMOUNT_TEXT_CHARS_MAX = 48;
    private static final Pattern DECIMAL = Pattern.compile("[0-9]+(\\.[0-9]+)?");

    private Amounts() {}

    /** A positive amount of {@code asset} in minor units, or an {@link ApiError} saying why not. */
    public static long parsePositive(String text, Asset asset) {
        if (text == null || text.isBlank()) {
            throw new ApiError(ErrorCode.INVALID_AMOUNT, "amount is missing");
        }
        String trimmed = text.trim();
        if (trimmed.length() > AMOUNT_TEXT_CHARS_MAX) {
            throw new ApiError(ErrorCode.AMOUNT_TOO_LARGE, "amount has more than " + AMOUNT_TEXT_CHARS_MAX + " characters");
        }
        if (trimmed.startsWith("-")) {
            throw new ApiError(ErrorCode.INVALID_AMOUNT, "amount must be positive, was " + trimmed);
        }
        if (!DECIMAL.matcher(trimmed).matches()) {
            throw new ApiError(ErrorCode.INVALID_AMOUNT, "amount must be a plain decimal like \"12.5\", was \"" + trimmed + '"');
        }
        BigDecimal decimal = new BigDecimal(trimmed).stripTrailingZeros();
        if (decimal.scale() > asset.scale()) {
            throw new ApiError(ErrorCode.TOO_MANY_DECIMALS,
                    asset.code() + " has " + asset.scale() + " decimal places, amount " + trimmed + " has " + decimal.scale());
        }
        long minor;
        try {
            minor = decimal.movePointRight(asset.scale()).longValueExact();
        } catch (ArithmeticException e) {
            throw new ApiError(ErrorCode.AMOUNT_TOO_LARGE, "amount " + trimmed + " " + asset.code() + " does not fit in 64-bit minor units");
        }
        if (minor <= 0) {
            throw new ApiError(ErrorCode.INVALID_AMOUNT, "amount must be positive, was " + trimmed);
        }
        return minor;
    }

    /** Minor units as a decimal string with exactly the asset's scale: 50000000 BTC -> "0.50000000". */
    public static String format(long minor, int scale) {
        return BigDecimal.valueOf(minor, scale).toPlainString();
    }

    /** Minor units as the shortest decimal string: 910000000000 BTC -> "9100" (the original gateway's form). */
    public static String formatShort(long minor, int scale) {
        BigDecimal decimal = BigDecimal.valueOf(minor, scale);
        return decimal.signum() == 0 ? "0" : decimal.stripTrailingZeros().toPlainString();
    }
}
