package io.settlement.topology.trade;

import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The content fingerprint of a trade: SHA-256 over every field, each string length-prefixed
 * and each optional field flagged, so two trades share a fingerprint only if they are equal.
 * It tells a retried trade (same id, same content) from a conflicting one (same id, other content).
 */
final class TradeFingerprint {
    private TradeFingerprint() {}

    static String of(Trade trade) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, trade.getTradeId());
            writeString(out, trade.getSymbol());
            writeString(out, trade.getBaseAsset());
            writeString(out, trade.getQuoteAsset());
            out.writeLong(trade.getBaseQty());
            out.writeLong(trade.getQuoteQty());
            writeParty(out, trade.getBuyer());
            writeParty(out, trade.getSeller());
            out.writeLong(trade.getExecutedAt().toEpochMilli());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return HexFormat.of().formatHex(sha256().digest(bytes.toByteArray()));
    }

    private static void writeParty(DataOutputStream out, TradeParty party) throws IOException {
        out.writeLong(party.getUserId());
        writeString(out, party.getOrderId());
        out.writeLong(party.getFee());
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides SHA-256", e);
        }
    }
}
