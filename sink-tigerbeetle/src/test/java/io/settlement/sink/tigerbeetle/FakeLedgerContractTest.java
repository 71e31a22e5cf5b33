package io.settlement.sink.tigerbeetle;

/** {@link LedgerContract} against {@link FakeLedger}, the stand-in the sink's unit tests use. */
class FakeLedgerContractTest extends LedgerContract {
    private final FakeLedger ledger = new FakeLedger();

    @Override
    LedgerClient ledger() {
        return ledger;
    }
}
