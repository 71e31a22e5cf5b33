package io.settlement.sink.tigerbeetle;

import io.settlement.sink.tigerbeetle.server.RealTigerBeetle;
import io.settlement.testsupport.TigerBeetleProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link LedgerContract} against the real TigerBeetle server, through {@link TigerBeetleLedgerClient}. */
@ExtendWith(RealTigerBeetle.class)
class RealLedgerContractTest extends LedgerContract {
    private static TigerBeetleLedgerClient client;

    @BeforeAll
    static void connect(TigerBeetleProcess server) {
        client = RealTigerBeetle.client(server);
    }

    @AfterAll
    static void disconnect() {
        if (client != null) {
            client.close();
        }
    }

    @Override
    LedgerClient ledger() {
        return client;
    }
}
