package io.settlement.liabilities;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What is published of one snapshot: its id, when it was taken, the cut it was taken at (the
 * end offset of each partition of the balances' changelog it read up to), and per asset the
 * root hash, the total owed and the number of leaves.
 */
public record SnapshotSummary(String snapshotId, Instant time, SortedMap<Integer, Long> cut, List<AssetRoot> assets) {
    public SnapshotSummary {
        cut = Collections.unmodifiableSortedMap(new TreeMap<>(cut));
        assets = List.copyOf(assets);
    }

    /** One asset's published root. */
    public record AssetRoot(String asset, Node root, int leaves) {
        public long total() {
            return root.sum();
        }
    }

    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", ProofJson.VERSION);
        json.put("snapshot_id", snapshotId);
        json.put("time", time.toString());
        Map<String, Object> offsets = new LinkedHashMap<>();
        cut.forEach((partition, offset) -> offsets.put(Integer.toString(partition), Long.toString(offset)));
        json.put("cut", offsets);
        List<Object> roots = new ArrayList<>();
        for (AssetRoot asset : assets) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("asset", asset.asset());
            root.put("root", asset.root().hashHex());
            root.put("total", Long.toString(asset.total()));
            root.put("leaves", asset.leaves());
            roots.add(root);
        }
        json.put("assets", roots);
        return Json.write(json);
    }

    /** @throws IllegalArgumentException when the text is not a summary of version 1 */
    public static SnapshotSummary fromJson(String text) {
        Map<String, Object> json = ProofJson.object(Json.read(text), "the snapshot summary");
        long version = ProofJson.integer(json, "version");
        if (version != ProofJson.VERSION) {
            throw new IllegalArgumentException("a snapshot summary of version " + version + "; this reads version " + ProofJson.VERSION);
        }
        Instant time;
        try {
            time = Instant.parse(ProofJson.string(json, "time"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("\"time\" is not an ISO-8601 instant: " + json.get("time"));
        }
        Map<String, Object> offsets = ProofJson.object(json.get("cut"), "\"cut\"");
        SortedMap<Integer, Long> cut = new TreeMap<>();
        for (String partition : offsets.keySet()) {
            try {
                cut.put(Integer.parseInt(partition), ProofJson.decimal(offsets, partition));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"cut\" key \"" + partition + "\" is not a partition number");
            }
        }
        if (!(json.get("assets") instanceof List<?> roots)) {
            throw new IllegalArgumentException("\"assets\" must be an array");
        }
        List<AssetRoot> assets = new ArrayList<>();
        for (int i = 0; i < roots.size(); i++) {
            Map<String, Object> root = ProofJson.object(roots.get(i), "assets[" + i + "]");
            assets.add(new AssetRoot(ProofJson.string(root, "asset"),
                    new Node(ProofJson.hex(root, "root", Hashing.HASH_BYTES), ProofJson.decimal(root, "total")),
                    (int) ProofJson.integer(root, "leaves")));
        }
        return new SnapshotSummary(ProofJson.string(json, "snapshot_id"), time, cut, assets);
    }
}
