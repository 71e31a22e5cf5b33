package io.settlement.topology.testkit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of scenario tests: a fresh {@link SettlementDriver} per test, and the invariants
 * (docs/topology.md) checked after every scenario, whatever it asserted itself.
 */
public abstract class DriverTest {
    protected SettlementDriver driver;
    protected Commands commands;

    /** Override to start the driver with another configuration. */
    protected SettlementDriver startDriver() {
        return SettlementDriver.start();
    }

    @BeforeEach
    void startSettlementDriver() {
        driver = startDriver();
        commands = driver.commands();
    }

    @AfterEach
    void checkInvariantsAndClose() {
        try {
            driver.assertInvariants();
        } finally {
            driver.close();
        }
    }
}
