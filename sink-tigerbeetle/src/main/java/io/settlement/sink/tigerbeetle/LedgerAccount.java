package io.settlement.sink.tigerbeetle;

/**
 * An account as the sink creates it in TigerBeetle: its id, ledger (the asset id), code (type and
 * bucket) and flags. {@code userData64} carries the owner and {@code userData32} the asset, so
 * an account found in TigerBeetle can be named without our mapping.
 */
public record LedgerAccount(LedgerAccountKey key, LedgerId id, int ledger, int code, int flags) {}
