package io.settlement.topology;

/**
 * An asset from configuration: its code (BTC), its integer id (the TigerBeetle ledger, the
 * key in stores and history tables) and its scale (decimal places of one unit in minor units).
 */
public record Asset(String code, int id, int scale) {
    /** Scales above 18 would not fit one whole unit in a long. */
    public static final int SCALE_MAX = 18;

    public Asset {
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("asset code is empty");
        }
        if (id <= 0) {
            throw new IllegalArgumentException("asset " + code + ": id must be > 0, was " + id);
        }
        if (scale < 0 || scale > SCALE_MAX) {
            throw new IllegalArgumentException("asset " + code + ": scale must be 0.." + SCALE_MAX + ", was " + scale);
        }
    }
}
