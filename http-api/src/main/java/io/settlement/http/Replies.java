package io.settlement.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.javalin.http.Context;

/**
 * Writes JSON answers and reads request bodies. Field names are snake_case; floats are read as
 * {@code BigDecimal}, never {@code double}; a field given twice in one object is a parse error,
 * since "last one wins" would let {@code {"user_id":43,...,"user_id":42}} pass one reader's check
 * and mean another user to a reader that keeps the first.
 */
final class Replies {
    static final String JSON = "application/json";

    private Replies() {}

    static ObjectMapper mapper() {
        return new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }

    static void json(Context ctx, ObjectMapper mapper, int status, Object body) {
        String text;
        try {
            text = mapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + body.getClass().getSimpleName() + " as JSON", e);
        }
        ctx.status(status).contentType(JSON).result(text);
    }
}
