package io.settlement.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.settlement.liabilities.InclusionProof;
import io.settlement.liabilities.ProofJson;
import io.settlement.liabilities.SnapshotSummary;
import io.settlement.liabilities.Verifier;
import io.settlement.sink.History;
import io.settlement.sink.LiabilityProofs;
import io.settlement.topology.Assets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proof of liabilities (docs/http-api.md, "GET /api/v1/users/{id}/liabilities/{snapshot}"):
 * <ul>
 *   <li>{@code GET /api/v1/liabilities}: every stored snapshot, newest first, each its published
 *       summary (root, total and leaf count per asset, the cut): no user data, so any token may read it;</li>
 *   <li>{@code GET /api/v1/users/{id}/liabilities/{snapshot}[?asset=BTC]}: the user's proofs of one
 *       snapshot, one per asset it is owed, as {@link ProofJson#writeUserProofs}; with {@code asset},
 *       that one proof file alone. Either can be saved and checked with {@code settlement liabilities verify}.</li>
 * </ul>
 * Ownership as the balance routes: a user token reads only its own user (another's is 404 NOT_FOUND).
 * Every proof is checked against its snapshot's published root and total before it is served: a
 * stored proof that does not verify (left by an interrupted run of the same snapshot id, or
 * damaged) is never handed out; it is logged and the user gets 404 NOT_IN_SNAPSHOT for that asset.
 * Like the history routes, these are not forwarded: every instance reads the same store.
 */
final class LiabilitiesRoutes {
    private static final Logger log = LoggerFactory.getLogger(LiabilitiesRoutes.class);

    private final Optional<LiabilityProofs> store;
    private final Assets assets;
    private final ObjectMapper json;

    LiabilitiesRoutes(Optional<LiabilityProofs> store, Assets assets, ObjectMapper json) {
        this.store = store;
        this.assets = assets;
        this.json = json;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/v1/liabilities", this::snapshots);
        routes.get("/api/v1/users/{id}/liabilities/{snapshot}", this::userProofs);
    }

    private void snapshots(Context ctx) {
        List<LiabilityProofs.Snapshot> stored = call(LiabilityProofs::snapshots);
        List<JsonNode> summaries = new ArrayList<>(stored.size());
        for (LiabilityProofs.Snapshot snapshot : stored) {
            // Parsed and written again by the liabilities module: what is listed is exactly the published format.
            summaries.add(tree(SnapshotSummary.fromJson(snapshot.summaryJson()).toJson()));
        }
        Replies.json(ctx, json, 200, new Views.LiabilitySnapshots(summaries));
    }

    private void userProofs(Context ctx) {
        long userId = RequestBody.userIdText(ctx.pathParam("id"), "user id");
        Gatekeeper.caller(ctx).checkMayRead(userId);
        String snapshotId = ctx.pathParam("snapshot");
        Optional<String> asset = asset(ctx.queryParam("asset"));
        if (!io.settlement.liabilities.LiabilitiesSnapshot.ID.matcher(snapshotId).matches()) {
            // No snapshot can have such an id: the same answer as any unknown one.
            throw unknownSnapshot(snapshotId);
        }
        SnapshotSummary summary = call(proofs -> proofs.snapshot(snapshotId))
                .map(snapshot -> SnapshotSummary.fromJson(snapshot.summaryJson()))
                .orElseThrow(() -> unknownSnapshot(snapshotId));
        Map<String, SnapshotSummary.AssetRoot> roots = summary.assets().stream()
                .collect(Collectors.toMap(SnapshotSummary.AssetRoot::asset, Function.identity()));
        List<InclusionProof> served = new ArrayList<>();
        for (LiabilityProofs.Proof stored : call(proofs -> proofs.proofs(snapshotId, userId))) {
            if (asset.isPresent() && !asset.get().equals(stored.asset())) {
                continue;
            }
            InclusionProof proof;
            try {
                proof = ProofJson.read(stored.proofJson());
            } catch (IllegalArgumentException e) {
                log.warn("not serving the stored {} proof of user {} in snapshot {}: unreadable: {}", stored.asset(), userId, snapshotId,
                        e.getMessage());
                continue;
            }
            SnapshotSummary.AssetRoot root = roots.get(stored.asset());
            String problem = root == null ? "its asset is not in the published summary"
                    : !proof.snapshotId().equals(snapshotId) || !proof.asset().equals(stored.asset()) || proof.leaf().userId() != userId
                            ? "it names snapshot " + proof.snapshotId() + ", asset " + proof.asset() + ", user " + proof.leaf().userId()
                            : Verifier.verify(proof, root.root().hash(), OptionalLong.of(root.total())).reason();
            if (!problem.isEmpty()) {
                log.warn("not serving the stored {} proof of user {} in snapshot {}: {}", stored.asset(), userId, snapshotId, problem);
                continue;
            }
            served.add(proof);
        }
        if (served.isEmpty()) {
            throw new ApiError(ErrorCode.NOT_IN_SNAPSHOT, "user " + userId + " has no leaf in snapshot " + snapshotId
                    + asset.map(code -> " for " + code).orElse("") + ": nothing was owed to the user"
                    + asset.map(code -> " in " + code).orElse("") + " at its cut");
        }
        String body = asset.isPresent() ? ProofJson.write(served.get(0)) : ProofJson.writeUserProofs(snapshotId, userId, served);
        ctx.status(200).contentType(Replies.JSON).result(body);
    }

    private Optional<String> asset(String code) {
        if (code == null) {
            return Optional.empty();
        }
        return Optional.of(assets.byCode(code.trim().toUpperCase(Locale.ROOT)).orElseThrow(() -> new ApiError(ErrorCode.UNKNOWN_ASSET,
                "unknown asset \"" + RequestBody.abbreviate(code) + "\", configured: " + assets)).code());
    }

    private static ApiError unknownSnapshot(String snapshotId) {
        return new ApiError(ErrorCode.UNKNOWN_SNAPSHOT, "no snapshot \"" + RequestBody.abbreviate(snapshotId)
                + "\" is stored (GET /api/v1/liabilities lists them)");
    }

    private <T> T call(Function<LiabilityProofs, T> query) {
        LiabilityProofs proofs = store.orElseThrow(() -> new ApiError(ErrorCode.HISTORY_UNAVAILABLE,
                "no store of proofs is configured on this instance (the ScyllaDB sink is off)"));
        try {
            return query.apply(proofs);
        } catch (History.UnavailableException e) {
            throw new ApiError(ErrorCode.HISTORY_UNAVAILABLE, "the store of proofs did not answer: " + e.getMessage(), e);
        }
    }

    private JsonNode tree(String text) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the liabilities module wrote JSON Jackson cannot read", e);
        }
    }
}
