package io.settlement.app;

import io.settlement.topology.Asset;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Reservation;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code settlement orders overdue}: the released orders whose fill grace ended with announced
 * fills never settled, read from the {@code overdue-orders} store's changelog
 * ({@link StoreChangelog}: every partition, no running instance needed). Each holds frozen what
 * the matching engine said its fills would take; the operator finds out why the fills never came
 * and, when they never will, closes the order with an {@code OrderClosed} command
 * (docs/operations.md, "An order is overdue").
 */
@Command(name = "orders", mixinStandardHelpOptions = true, description = "Operator views of order reservations.",
        subcommands = {OrdersCommand.Overdue.class})
final class OrdersCommand {
    private OrdersCommand() {}

    @Command(name = "overdue", mixinStandardHelpOptions = true,
            description = "List released orders whose announced fills are missing past the fill grace (exit 1 if any).")
    static final class Overdue implements Callable<Integer> {
        @Mixin
        SettlementCli.ConfigOptions config;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            AppSettings settings = config.load(AppSettings.RUN_DEFAULTS, Map.of());
            Map<String, Reservation> overdue = read(settings);
            out.println("user_id\torder\tasset\tstill_frozen\treleased_at\tfilled_total\tsettled");
            overdue.forEach((key, order) -> out.println(order.userId() + "\t" + orderId(key) + "\t"
                    + settings.assets().byId(order.assetId()).map(Asset::code).orElse("asset#" + order.assetId())
                    + "\t" + order.remaining() + "\t" + Instant.ofEpochMilli(order.releasedAtMs()) + "\t" + order.filledTotal()
                    + "\t" + order.consumed()));
            out.println(overdue.size() + " overdue order(s)");
            out.flush();
            return overdue.isEmpty() ? 0 : 1;
        }
    }

    /** Every overdue order of the deployment, by reservation key. */
    static Map<String, Reservation> read(AppSettings settings) {
        Map<String, Reservation> overdue = new TreeMap<>();
        StoreChangelog.read(settings, StoreNames.OVERDUE_ORDERS, (partition, key, value) -> {
            String reservationKey = new String(key, java.nio.charset.StandardCharsets.UTF_8);
            if (value == null) {
                overdue.remove(reservationKey);
            } else {
                overdue.put(reservationKey, Reservation.fromBytes(value));
            }
        });
        return overdue;
    }

    /** The order id of a reservation key: {@code ORDER@<user>/<order_id>}, or the bare order id of a reservation from before. */
    static String orderId(String reservationKey) {
        String prefix = Reservation.KEY_PREFIX + '@';
        int slash = reservationKey.indexOf('/');
        return reservationKey.startsWith(prefix) && slash > 0 ? reservationKey.substring(slash + 1) : reservationKey;
    }
}
