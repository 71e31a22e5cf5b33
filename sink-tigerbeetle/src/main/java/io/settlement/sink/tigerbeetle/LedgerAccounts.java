package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.CreateAccountResult;
import io.micrometer.core.instrument.Counter;
import io.settlement.sink.tigerbeetle.LedgerClient.AccountError;
import io.settlement.sink.tigerbeetle.LedgerClient.Pending;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The TigerBeetle accounts the sink's entries need, created ahead of their transfers: the accounts
 * of the records just read go out in create_accounts requests at once, without waiting, so that
 * TigerBeetle creates them while the sink reads on; before transfers go out, every such request is
 * awaited ({@link #awaitSent()}). Accounts known to exist ({@link KnownAccounts}) or already on
 * their way are not sent again.
 */
final class LedgerAccounts {
    /** A create_accounts request sent: its accounts, and the answer to wait for. */
    private record Sent(List<LedgerAccount> accounts, Pending<List<AccountError>> answer) {}

    private final LedgerClient ledger;
    private final LedgerRetries retries;
    private final int accountsPerRequestMax;
    private final Counter created;
    private final KnownAccounts known;
    private final Set<LedgerId> onTheirWay = new HashSet<>();
    private final Deque<Sent> sent = new ArrayDeque<>();

    LedgerAccounts(LedgerClient ledger, LedgerRetries retries, TigerBeetleConfig settings, Counter created) {
        this.ledger = ledger;
        this.retries = retries;
        this.accountsPerRequestMax = settings.eventsPerRequestMax();
        this.created = created;
        this.known = new KnownAccounts(settings.knownAccountsMax());
    }

    /** Sends create_accounts, without waiting, for the accounts of {@code records} neither known nor on their way. */
    void sendFor(List<JournalRecord> records) {
        Map<LedgerId, LedgerAccount> unknown = new LinkedHashMap<>();
        for (JournalRecord record : records) {
            if (record.mapped() == null) {
                continue;
            }
            for (LedgerAccount account : record.mapped().accounts()) {
                if (!known.contains(account.id()) && !onTheirWay.contains(account.id())) {
                    unknown.putIfAbsent(account.id(), account);
                }
            }
        }
        for (List<LedgerAccount> request : TransferRequests.split(List.copyOf(unknown.values()), account -> 1, accountsPerRequestMax)) {
            request.forEach(account -> onTheirWay.add(account.id()));
            sent.addLast(new Sent(request, ledger.sendAccounts(LedgerMapping.accountBatch(request))));
        }
    }

    /**
     * Waits for every create_accounts request sent, oldest first. Returns why, if TigerBeetle did
     * not answer one (then the ones after it are forgotten too: their records must be read again);
     * throws (stopping the sink) if it refused an account for any reason but {@code exists}.
     */
    Optional<String> awaitSent() {
        while (!sent.isEmpty()) {
            Sent request = sent.peekFirst();
            Optional<List<AccountError>> answer = retries.call("create_accounts", request.answer()::await,
                    () -> ledger.createAccounts(LedgerMapping.accountBatch(request.accounts())));
            if (answer.isEmpty()) {
                sent.clear();
                onTheirWay.clear();
                return Optional.of("create_accounts not answered");
            }
            sent.removeFirst();
            accepted(request.accounts(), answer.get());
        }
        return Optional.empty();
    }

    private void accepted(List<LedgerAccount> accounts, List<AccountError> errors) {
        int exists = 0;
        for (AccountError error : errors) {
            if (error.result() == CreateAccountResult.Exists) {
                exists++;
                continue;
            }
            LedgerAccount refused = accounts.get(error.index());
            throw new IllegalStateException("TigerBeetle refused account " + refused.key() + " (id " + refused.id()
                    + ", flags " + refused.flags() + "): " + error.result()
                    + "; the account definitions disagree, stopping the sink");
        }
        created.increment(accounts.size() - exists);
        for (LedgerAccount account : accounts) {
            onTheirWay.remove(account.id());
            known.add(account.id());
        }
    }
}
