package io.settlement.bench;

import java.util.List;

/**
 * The commands of one measured run, in send order, with the id prefix every one of their
 * result keys carries (so results of other runs are told apart).
 */
public record Workload(String name, String idPrefix, List<PreparedCommand> commands) {

    public int size() {
        return commands.size();
    }

    /** The command with the given slot (an original command's index). */
    public PreparedCommand bySlot(int slot) {
        return commands.get(slot);
    }

    /** The first {@code count} commands: a run that stops producing early still verifies consistently. */
    public Workload prefix(int count) {
        return new Workload(name, idPrefix, commands.subList(0, Math.min(count, commands.size())));
    }

    public long trades() {
        return commands.stream().filter(command -> command.trade() && !command.reusesId()).count();
    }
}
