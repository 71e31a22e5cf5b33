package io.settlement.app;

/**
 * {@link FailoverOfThreeInstancesTest} with the streams rebalance protocol
 * ({@code streams.group.protocol=streams}): the broker assigns the tasks and keeps the group's
 * session timeout, which {@code run} sets at start. The same SIGKILL, the same checks, the same
 * bound on the longest wait for a result.
 */
class FailoverOnStreamsProtocolTest extends FailoverOfThreeInstancesTest {
    @Override
    String groupProtocol() {
        return "streams";
    }
}
