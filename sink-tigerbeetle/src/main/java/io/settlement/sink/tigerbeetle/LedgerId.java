package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.UInt128;

/**
 * A TigerBeetle 128-bit id (account or transfer), as its two 64-bit halves. TigerBeetle reserves
 * 0 and 2^128 - 1, so neither is a valid id.
 */
public record LedgerId(long mostSignificant, long leastSignificant) {
    public LedgerId {
        if (mostSignificant == 0 && leastSignificant == 0) {
            throw new IllegalStateException("ledger id 0 is reserved by TigerBeetle");
        }
        if (mostSignificant == -1L && leastSignificant == -1L) {
            throw new IllegalStateException("ledger id 2^128-1 is reserved by TigerBeetle");
        }
    }

    /** The 16 bytes TigerBeetle's batch setters take. */
    public byte[] bytes() {
        return UInt128.asBytes(leastSignificant, mostSignificant);
    }

    public static LedgerId of(byte[] bytes) {
        return new LedgerId(UInt128.asLong(bytes, UInt128.MostSignificant), UInt128.asLong(bytes, UInt128.LeastSignificant));
    }

    @Override
    public String toString() {
        return String.format("%016x%016x", mostSignificant, leastSignificant);
    }
}
