package io.settlement.topology;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The configured assets, looked up by code or id. Parsed from {@code CODE:ID:SCALE,...}
 * (for example {@code BTC:1:8,USDT:2:6,ETH:3:9}); assets come from configuration, never code.
 */
public final class Assets {
    /** The default set for dev mode and tests. ETH at scale 9 (gwei) keeps whole coins well inside a long. */
    public static final String DEFAULT_SPEC = "BTC:1:8,USDT:2:6,ETH:3:9";

    private final Map<String, Asset> byCode;
    private final Map<Integer, Asset> byId;

    private Assets(Map<String, Asset> byCode, Map<Integer, Asset> byId) {
        this.byCode = byCode;
        this.byId = byId;
    }

    public static Assets parse(String spec) {
        Map<String, Asset> byCode = new LinkedHashMap<>();
        Map<Integer, Asset> byId = new LinkedHashMap<>();
        for (String item : spec.split(",")) {
            String trimmed = item.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split(":");
            if (parts.length != 3) {
                throw new IllegalArgumentException("asset '" + trimmed + "' is not CODE:ID:SCALE");
            }
            Asset asset;
            try {
                asset = new Asset(parts[0].trim(), Integer.parseInt(parts[1].trim()), Integer.parseInt(parts[2].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("asset '" + trimmed + "': id and scale must be integers", e);
            }
            if (byCode.putIfAbsent(asset.code(), asset) != null) {
                throw new IllegalArgumentException("asset code " + asset.code() + " is configured twice");
            }
            if (byId.putIfAbsent(asset.id(), asset) != null) {
                throw new IllegalArgumentException("asset id " + asset.id() + " is configured twice");
            }
        }
        if (byCode.isEmpty()) {
            throw new IllegalArgumentException("no assets configured");
        }
        return new Assets(Collections.unmodifiableMap(byCode), Collections.unmodifiableMap(byId));
    }

    public static Assets defaults() {
        return parse(DEFAULT_SPEC);
    }

    public Optional<Asset> byCode(String code) {
        return code == null ? Optional.empty() : Optional.ofNullable(byCode.get(code));
    }

    public Optional<Asset> byId(int id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Collection<Asset> all() {
        return byCode.values();
    }

    @Override
    public String toString() {
        StringBuilder spec = new StringBuilder();
        for (Asset asset : byCode.values()) {
            if (spec.length() > 0) {
                spec.append(',');
            }
            spec.append(asset.code()).append(':').append(asset.id()).append(':').append(asset.scale());
        }
        return spec.toString();
    }
}
