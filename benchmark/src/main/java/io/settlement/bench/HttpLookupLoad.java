package io.settlement.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded load of lookups against one instance's HTTP API: a small fixed pool of clients, each
 * sending its share of the requests one after another on its own kept-alive connection, half of them
 * {@code GET /api/v1/users/{id}/balances} for users that have balances and half
 * {@code GET /api/v1/commands/{KIND}/{id}} for commands that have a result. Every answer must be
 * 200. The first {@link #WARM_UP_PERCENT}% of the requests warm the JIT and are not measured.
 *
 * <p>Closed (rate 0): each client sends its next request as soon as the last one is answered, so
 * the run measures the peak rate, and its latencies are mostly time spent queued behind the other
 * clients on a saturated machine. Paced (a rate): request {@code i} is due at {@code start + i /
 * rate}, and its latency counts from when it was due, not from when it was sent, so a request
 * that waits for a client busy with an earlier one counts that wait (no coordinated omission).
 * The benchmark measures latency paced at half the closed run's peak, as it does for commands.
 *
 * <p>Each request is sent and answered on its client's thread, into buffers of its own
 * ({@link LookupClient}): {@code java.net.http}'s client hands every exchange between its selector
 * thread and a worker, and on 2 cores that cost as much as the lookup it timed; what a client
 * allocates is collected in the pauses the lookups are timed through (docs/performance.md, "The
 * lookups' tail").
 */
final class HttpLookupLoad {
    /** Requests at the start that are sent but not measured. */
    static final int WARM_UP_PERCENT = 10;
    /** How long one request may take before it counts as an error. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private HttpLookupLoad() {}

    /**
     * @param baseUri e.g. {@code http://127.0.0.1:8080}
     * @param users user ids with balances
     * @param commandKeys result keys ({@code KIND:user_id:id}, {@code TRADE:id}) of commands that have a result
     * @param authorization the {@code Authorization} header of every request (an operator token)
     * @param ratePerSecond requests per second when paced, 0 for a closed loop
     */
    static BenchReport.HttpLoad run(String baseUri, List<Long> users, List<String> commandKeys, int requests, int clients, long seed,
                                    Duration durationMax, String authorization, double ratePerSecond) throws InterruptedException {
        int warmUp = requests * WARM_UP_PERCENT / 100;
        AtomicInteger next = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        AtomicLong firstError = new AtomicLong(-1);
        long[] balanceNanos = new long[requests];
        long[] statusNanos = new long[requests];
        AtomicInteger balances = new AtomicInteger();
        AtomicInteger statuses = new AtomicInteger();
        long deadline = System.nanoTime() + durationMax.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long[] measuredStart = {0};
        long started = System.nanoTime();
        long intervalNanos = ratePerSecond > 0 ? Math.round(1e9 / ratePerSecond) : 0;
        List<Future<?>> workers = new ArrayList<>();
        for (int client = 0; client < clients; client++) {
            SplittableRandom random = new SplittableRandom(seed + client);
            workers.add(pool.submit(() -> {
                try (LookupClient http = new LookupClient(baseUri, authorization, REQUEST_TIMEOUT)) {
                    int index;
                    while (!Thread.currentThread().isInterrupted() && (index = next.getAndIncrement()) < requests && System.nanoTime() < deadline) {
                        boolean balance = (index & 1) == 0;
                        String path = balance
                                ? "/api/v1/users/" + users.get(random.nextInt(users.size())) + "/balances"
                                : "/api/v1/commands/" + commandKeys.get(random.nextInt(commandKeys.size()));
                        long before = System.nanoTime();
                        if (intervalNanos > 0) {
                            long due = started + index * intervalNanos;
                            for (long now = before; now < due; now = System.nanoTime()) {
                                java.util.concurrent.locks.LockSupport.parkNanos(due - now); // pacing: this request is not due yet
                            }
                            before = due;
                        }
                        int status;
                        try {
                            status = http.get(path);
                        } catch (IOException e) {
                            status = -1;
                        }
                        long took = System.nanoTime() - before;
                        if (status != 200) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(-1, status);
                        }
                        if (index == warmUp) {
                            measuredStart[0] = before;
                        }
                        if (index >= warmUp) {
                            if (balance) {
                                balanceNanos[balances.getAndIncrement()] = took;
                            } else {
                                statusNanos[statuses.getAndIncrement()] = took;
                            }
                        }
                    }
                }
            }));
        }
        pool.shutdown();
        if (!pool.awaitTermination(durationMax.toMillis() + REQUEST_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS)) {
            pool.shutdownNow();
        }
        for (Future<?> worker : workers) {
            if (!worker.isDone()) {
                worker.cancel(true);
            }
        }
        long ended = System.nanoTime();
        long measured = balances.get() + statuses.get();
        double seconds = Math.max(1e-9, (ended - (measuredStart[0] == 0 ? started : measuredStart[0])) / 1e9);
        return new BenchReport.HttpLoad(measured, errors.get(), RunReport.round(seconds), Math.round(measured / seconds),
                Math.round(ratePerSecond), Latencies.of(balanceNanos, balances.get()), Latencies.of(statusNanos, statuses.get()));
    }
}
