package io.settlement.liabilities;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The JSON of an inclusion proof and the field rules it shares with the snapshot summary
 * (docs/liabilities.md, "Proof file"): every 64-bit integer (user id, amount, sum, offset) is a
 * decimal string, every hash and salt lowercase hex; {@code version} is 1.
 */
public final class ProofJson {
    public static final int VERSION = 1;
    private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9][0-9]*)");
    private static final HexFormat HEX = HexFormat.of();

    private ProofJson() {}

    public static String write(InclusionProof proof) {
        return Json.write(toMap(proof));
    }

    /**
     * One user's proofs of one snapshot, one per asset, as the HTTP API answers them:
     * {@code {"version":1,"snapshot_id":...,"user_id":"...","proofs":[proof file, ...]}}; each element is
     * a proof file as {@link #write} writes it. {@link #readAll} reads it back.
     */
    public static String writeUserProofs(String snapshotId, long userId, List<InclusionProof> proofs) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", VERSION);
        json.put("snapshot_id", snapshotId);
        json.put("user_id", Long.toString(userId));
        List<Object> all = new ArrayList<>();
        for (InclusionProof proof : proofs) {
            all.add(toMap(proof));
        }
        json.put("proofs", all);
        return Json.write(json);
    }

    private static Map<String, Object> toMap(InclusionProof proof) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", VERSION);
        json.put("snapshot_id", proof.snapshotId());
        json.put("asset", proof.asset());
        json.put("user_id", Long.toString(proof.leaf().userId()));
        json.put("amount", Long.toString(proof.leaf().amount()));
        json.put("salt", HEX.formatHex(proof.leaf().salt()));
        List<Object> path = new ArrayList<>();
        for (Sibling sibling : proof.path()) {
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("side", sibling.side().name().toLowerCase(Locale.ROOT));
            step.put("hash", sibling.node().hashHex());
            step.put("sum", Long.toString(sibling.node().sum()));
            path.add(step);
        }
        json.put("path", path);
        return json;
    }

    /** @throws IllegalArgumentException when the text is not a proof of version 1, saying which field is wrong */
    public static InclusionProof read(String text) {
        return fromMap(object(Json.read(text), "the proof"));
    }

    /**
     * Every proof in a proof file (one) or in a user's proofs as the HTTP API answers them
     * ({@link #writeUserProofs}: one per asset), so that a user can verify the answer as saved.
     *
     * @throws IllegalArgumentException when the text is neither, saying which field is wrong
     */
    public static List<InclusionProof> readAll(String text) {
        Map<String, Object> json = object(Json.read(text), "the proof");
        if (!json.containsKey("proofs")) {
            return List.of(fromMap(json));
        }
        if (!(json.get("proofs") instanceof List<?> proofs)) {
            throw new IllegalArgumentException("\"proofs\" must be an array");
        }
        List<InclusionProof> all = new ArrayList<>();
        for (int i = 0; i < proofs.size(); i++) {
            try {
                all.add(fromMap(object(proofs.get(i), "proofs[" + i + "]")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("proofs[" + i + "]: " + e.getMessage(), e);
            }
        }
        return all;
    }

    private static InclusionProof fromMap(Map<String, Object> json) {
        int version = (int) integer(json, "version");
        if (version != VERSION) {
            throw new IllegalArgumentException("a proof of version " + version + "; this verifier reads version " + VERSION);
        }
        Leaf leaf = new Leaf(decimal(json, "user_id"), decimal(json, "amount"), hex(json, "salt", Hashing.SALT_BYTES));
        if (!(json.get("path") instanceof List<?> steps)) {
            throw new IllegalArgumentException("\"path\" must be an array");
        }
        List<Sibling> path = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Map<String, Object> step = object(steps.get(i), "path[" + i + "]");
            String side = string(step, "side");
            Sibling.Side parsed = switch (side) {
                case "left" -> Sibling.Side.LEFT;
                case "right" -> Sibling.Side.RIGHT;
                default -> throw new IllegalArgumentException("path[" + i + "].side must be \"left\" or \"right\", was \"" + side + "\"");
            };
            path.add(new Sibling(parsed, new Node(hex(step, "hash", Hashing.HASH_BYTES), decimal(step, "sum"))));
        }
        return new InclusionProof(string(json, "snapshot_id"), string(json, "asset"), leaf, path);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value, String what) {
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(what + " must be a JSON object");
        }
        return (Map<String, Object>) value;
    }

    static String string(Map<String, Object> json, String key) {
        if (!(json.get(key) instanceof String value)) {
            throw new IllegalArgumentException("\"" + key + "\" must be a string");
        }
        return value;
    }

    static long integer(Map<String, Object> json, String key) {
        if (!(json.get(key) instanceof Long value)) {
            throw new IllegalArgumentException("\"" + key + "\" must be an integer");
        }
        return value;
    }

    /** A 64-bit integer written as a decimal string: no sign but '-', no leading zeros, so that each value has one spelling. */
    static long decimal(Map<String, Object> json, String key) {
        String value = string(json, key);
        if (!DECIMAL.matcher(value).matches()) {
            throw new IllegalArgumentException("\"" + key + "\" must be a decimal integer, was \"" + value + "\"");
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + key + "\" does not fit a 64-bit integer: " + value);
        }
    }

    static byte[] hex(Map<String, Object> json, String key, int bytes) {
        return hex(string(json, key), key, bytes);
    }

    /** Lowercase or uppercase hex of exactly {@code bytes} bytes. */
    public static byte[] hex(String value, String what, int bytes) {
        if (value.length() != 2 * bytes) {
            throw new IllegalArgumentException(what + " must be " + 2 * bytes + " hex digits, was " + value.length());
        }
        try {
            return HEX.parseHex(value.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not hex: " + value);
        }
    }
}
