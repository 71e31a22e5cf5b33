package io.settlement.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.avro.Wallet;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A JSON request body read field by field, each field checked for its type and range; every
 * problem is an {@link ApiError} with a stable code (wrong types are 400, never a 500).
 */
final class RequestBody {
    /** Ids become Kafka record fields and URL path segments: short and URL-safe. */
    static final int ID_CHARS_MAX = 128;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~-]{1," + ID_CHARS_MAX + "}");

    private final JsonNode root;

    private RequestBody(JsonNode root) {
        this.root = root;
    }

    static RequestBody parse(ObjectMapper json, String text) {
        JsonNode root;
        try {
            root = text == null || text.isBlank() ? null : json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ApiError(ErrorCode.INVALID_JSON, "body is not valid JSON: " + e.getOriginalMessage());
        } catch (NumberFormatException e) {
            // Jackson reads every float of the tree as a BigDecimal, whose scale is an int: a number
            // such as 1e2147483648, in any field, fails there with a NumberFormatException rather
            // than a JsonProcessingException. Its message names Java types, so it is not passed on.
            throw new ApiError(ErrorCode.INVALID_JSON,
                    "body has a number whose exponent is out of range (beyond " + Integer.MAX_VALUE + " either way)");
        }
        if (root == null || !root.isObject()) {
            throw new ApiError(ErrorCode.INVALID_JSON, "body must be a JSON object");
        }
        return new RequestBody(root);
    }

    RequestBody object(String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isObject()) {
            throw new ApiError(ErrorCode.INVALID_JSON, field + " must be a JSON object");
        }
        return new RequestBody(node);
    }

    /** Refuses a field this route does not read: a typo never silently falls back to a default. */
    RequestBody onlyFields(String... allowed) {
        java.util.List<String> known = java.util.List.of(allowed);
        java.util.Iterator<String> names = root.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new ApiError(ErrorCode.UNKNOWN_FIELD, "unknown field \"" + abbreviate(name) + "\"; this route reads " + known);
            }
        }
        return this;
    }

    boolean has(String field) {
        JsonNode node = root.get(field);
        return node != null && !node.isNull();
    }

    /** A user id: a JSON integer > 0. */
    long userId(String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new ApiError(ErrorCode.INVALID_USER_ID, field + " is missing");
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new ApiError(ErrorCode.INVALID_USER_ID, field + " must be an integer > 0, was " + node);
        }
        return checkUserId(node.longValue(), field);
    }

    static long checkUserId(long userId, String field) {
        if (userId <= 0) {
            throw new ApiError(ErrorCode.INVALID_USER_ID, field + " must be > 0, was " + userId);
        }
        return userId;
    }

    /** A user id from a path segment or query parameter. */
    static long userIdText(String text, String field) {
        if (text == null || text.isBlank()) {
            throw new ApiError(ErrorCode.INVALID_USER_ID, field + " is missing");
        }
        try {
            return checkUserId(Long.parseLong(text.trim()), field);
        } catch (NumberFormatException e) {
            throw new ApiError(ErrorCode.INVALID_USER_ID, field + " must be an integer > 0, was \"" + text + '"');
        }
    }

    /** A command id: 1..128 characters of [A-Za-z0-9._~-]. */
    String id(String field) {
        return checkId(text(field, ErrorCode.INVALID_ID), field);
    }

    static String checkId(String id, String field) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new ApiError(ErrorCode.INVALID_ID, field + " must be 1.." + ID_CHARS_MAX
                    + " characters of [A-Za-z0-9._~-], was " + (id == null ? "missing" : '"' + abbreviate(id) + '"'));
        }
        return id;
    }

    /** An id read from a URL path: 1..128 characters (upstream ids may use any characters but '/'). */
    static String checkLookupId(String id, String field) {
        if (id == null || id.isEmpty() || id.length() > ID_CHARS_MAX || id.chars().anyMatch(Character::isISOControl)) {
            throw new ApiError(ErrorCode.INVALID_ID, field + " must be 1.." + ID_CHARS_MAX + " characters, none a control character");
        }
        return id;
    }

    /** An Idempotency-Key header: 1..128 visible ASCII characters (it is hashed, never used as is). */
    static String checkIdempotencyKey(String key) {
        if (key.isEmpty() || key.length() > ID_CHARS_MAX || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new ApiError(ErrorCode.INVALID_ID, "Idempotency-Key must be 1.." + ID_CHARS_MAX + " visible ASCII characters");
        }
        return key;
    }

    Asset asset(String field, Assets assets) {
        String code = text(field, ErrorCode.UNKNOWN_ASSET);
        return assets.byCode(code.trim().toUpperCase(Locale.ROOT))
                .orElseThrow(() -> new ApiError(ErrorCode.UNKNOWN_ASSET, "unknown asset \"" + abbreviate(code) + "\", configured: " + assets));
    }

    Wallet wallet(String field) {
        String name = text(field, ErrorCode.UNKNOWN_WALLET);
        try {
            return Wallet.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiError(ErrorCode.UNKNOWN_WALLET, field + " must be FUNDING or SPOT, was \"" + abbreviate(name) + '"');
        }
    }

    /**
     * An amount of {@code asset} in minor units, from a decimal string ("0.5") or a JSON number
     * read exactly (the mapper keeps floats as {@code BigDecimal}, never {@code double}).
     */
    long amount(String field, Asset asset) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new ApiError(ErrorCode.INVALID_AMOUNT, field + " is missing");
        }
        String text;
        if (node.isTextual()) {
            text = node.textValue();
        } else if (node.isNumber()) {
            text = boundedPlainText(node.decimalValue(), field);
        } else {
            throw new ApiError(ErrorCode.INVALID_AMOUNT, field + " must be a decimal string like \"12.5\", was " + node);
        }
        return Amounts.parsePositive(text, asset);
    }

    /**
     * A JSON number's plain text, bounded before it is expanded: {@code 1e900000000} is a
     * two-digit BigDecimal whose plain text has 900 million characters, so its integer digits
     * and decimal places are checked first (a long has 19 digits; no asset has 19 decimals).
     */
    static String boundedPlainText(BigDecimal number, String field) {
        if (number.signum() <= 0) {
            throw new ApiError(ErrorCode.INVALID_AMOUNT, field + " must be positive");
        }
        long integerDigits = (long) number.precision() - number.scale();
        if (integerDigits > 19) {
            throw new ApiError(ErrorCode.AMOUNT_TOO_LARGE, field + " has " + integerDigits + " integer digits, more than fit in 64-bit minor units");
        }
        if (number.scale() > Amounts.AMOUNT_TEXT_CHARS_MAX) {
            throw new ApiError(ErrorCode.TOO_MANY_DECIMALS, field + " has " + number.scale() + " decimal places");
        }
        return number.toPlainString();
    }

    String text(String field, ErrorCode code) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new ApiError(code, field + " is missing");
        }
        if (!node.isTextual()) {
            throw new ApiError(code, field + " must be a string, was " + abbreviate(node.toString()));
        }
        return node.textValue();
    }

    static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
