package io.settlement.sink.tigerbeetle;

/**
 * The accounts the sink knows exist in TigerBeetle, so that it does not send them again: the last
 * {@code max / 2} to {@code max} added. The sink asks for every account of every entry it reads,
 * hundreds of thousands of them at random, so ids are kept as pairs of longs in open-addressed
 * arrays (one memory access per question, where a {@code HashSet<LedgerId>} takes three). Two
 * generations bound it: when the newer holds {@code max / 2}, the older is dropped; an account
 * forgotten so is created again and answers {@code exists}.
 */
final class KnownAccounts {
    private final int generationMax;
    private IdTable newer = new IdTable();
    private IdTable older = new IdTable();

    KnownAccounts(int max) {
        this.generationMax = Math.max(1, max / 2);
    }

    boolean contains(LedgerId id) {
        return newer.contains(id.mostSignificant(), id.leastSignificant())
                || older.contains(id.mostSignificant(), id.leastSignificant());
    }

    void add(LedgerId id) {
        if (contains(id)) {
            return;
        }
        if (newer.size() >= generationMax) {
            older = newer;
            newer = new IdTable();
        }
        newer.add(id.mostSignificant(), id.leastSignificant());
    }

    /** Ids as (most, least) pairs in one array, linear probing; (0, 0) marks a free slot (TigerBeetle never uses id 0). */
    private static final class IdTable {
        private long[] slots = new long[2 * 1024];
        private int size;

        int size() {
            return size;
        }

        boolean contains(long most, long least) {
            long[] table = slots;
            int mask = table.length / 2 - 1;
            for (int slot = hash(most, least) & mask; ; slot = (slot + 1) & mask) {
                long slotMost = table[2 * slot];
                long slotLeast = table[2 * slot + 1];
                if (slotMost == most && slotLeast == least) {
                    return true;
                }
                if (slotMost == 0 && slotLeast == 0) {
                    return false;
                }
            }
        }

        /** Adds an id not in the table. */
        void add(long most, long least) {
            if (2 * (size + 1) > slots.length / 2) {
                grow();
            }
            put(slots, most, least);
            size++;
        }

        private void grow() {
            long[] bigger = new long[2 * slots.length];
            for (int slot = 0; slot < slots.length / 2; slot++) {
                if (slots[2 * slot] != 0 || slots[2 * slot + 1] != 0) {
                    put(bigger, slots[2 * slot], slots[2 * slot + 1]);
                }
            }
            slots = bigger;
        }

        private static void put(long[] table, long most, long least) {
            int mask = table.length / 2 - 1;
            int slot = hash(most, least) & mask;
            while (table[2 * slot] != 0 || table[2 * slot + 1] != 0) {
                slot = (slot + 1) & mask;
            }
            table[2 * slot] = most;
            table[2 * slot + 1] = least;
        }

        private static int hash(long most, long least) {
            long mixed = (most * 0x9E3779B97F4A7C15L) ^ least;
            mixed *= 0xC2B2AE3D27D4EB4FL;
            return (int) (mixed ^ (mixed >>> 32));
        }
    }
}
