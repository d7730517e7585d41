package dev.kvmtune.flame;

import java.util.Arrays;

/** Open-addressing counts keyed by int arrays (a stack as frame ids): one array kept per distinct stack. */
final class IntArrayCounts {
    interface Visitor {
        void visit(int[] key, long count);
    }

    private int[][] keys = new int[1024][];
    private long[] counts = new long[1024];
    private int size;

    void add(int[] key, long n) {
        int mask = keys.length - 1;
        int h = Arrays.hashCode(key);
        for (int i = (h ^ (h >>> 16)) & mask; ; i = (i + 1) & mask) {
            int[] k = keys[i];
            if (k == null) {
                keys[i] = key;
                counts[i] = n;
                if (++size * 2 > keys.length) grow();
                return;
            }
            if (Arrays.equals(k, key)) {
                counts[i] += n;
                return;
            }
        }
    }

    private void grow() {
        int[][] ok = keys;
        long[] oc = counts;
        keys = new int[ok.length * 2][];
        counts = new long[ok.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < ok.length; j++) {
            if (ok[j] == null) continue;
            int h = Arrays.hashCode(ok[j]);
            int i = (h ^ (h >>> 16)) & mask;
            while (keys[i] != null) i = (i + 1) & mask;
            keys[i] = ok[j];
            counts[i] = oc[j];
        }
    }

    void forEach(Visitor v) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) v.visit(keys[i], counts[i]);
        }
    }
}
