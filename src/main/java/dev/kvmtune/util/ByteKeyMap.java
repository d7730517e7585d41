package dev.kvmtune.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Open-addressing map from a byte slice (plus one flag) to an int array, looked up without copying the slice. */
public final class ByteKeyMap {
    private byte[][] keys = new byte[1024][];
    private boolean[] flags = new boolean[1024];
    private int[][] values = new int[1024][];
    private int size;

    /** The value for b[s, e) with the flag, or null. */
    public int[] get(byte[] b, int s, int e, boolean flag) {
        int mask = keys.length - 1;
        for (int i = hash(b, s, e, flag) & mask; ; i = (i + 1) & mask) {
            byte[] k = keys[i];
            if (k == null) return null;
            if (flags[i] == flag && k.length == e - s && Arrays.equals(k, 0, k.length, b, s, e)) return values[i];
        }
    }

    /** Adds a key not in the map (a copy of b[s, e) is kept). */
    public void put(byte[] b, int s, int e, boolean flag, int[] value) {
        if ((size + 1) * 2 > keys.length) grow();
        insert(Arrays.copyOfRange(b, s, e), flag, value);
        size++;
    }

    private void insert(byte[] k, boolean flag, int[] value) {
        int mask = keys.length - 1;
        int i = hash(k, 0, k.length, flag) & mask;
        while (keys[i] != null) i = (i + 1) & mask;
        keys[i] = k;
        flags[i] = flag;
        values[i] = value;
    }

    private void grow() {
        byte[][] ok = keys;
        boolean[] of = flags;
        int[][] ov = values;
        keys = new byte[ok.length * 2][];
        flags = new boolean[ok.length * 2];
        values = new int[ok.length * 2][];
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != null) insert(ok[i], of[i], ov[i]);
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Length, flag and up to four 8-byte words from both ends: cheap, and equals() settles collisions. */
    private static int hash(byte[] b, int s, int e, boolean flag) {
        int n = e - s;
        long h = n * 0x9E3779B97F4A7C15L + (flag ? 1 : 0);
        if (n >= 16) {
            h = (h ^ (long) LONGS.get(b, s)) * 0xff51afd7ed558ccdL;
            h = (h ^ (long) LONGS.get(b, s + 8)) * 0xff51afd7ed558ccdL;
            h = (h ^ (long) LONGS.get(b, e - 8)) * 0xc4ceb9fe1a85ec53L;
            h = (h ^ (long) LONGS.get(b, e - 16)) * 0xc4ceb9fe1a85ec53L;
        } else {
            for (int i = s; i < e; i++) h = (h ^ b[i]) * 0x100000001b3L;
        }
        h ^= h >>> 29;
        return (int) (h ^ (h >>> 32));
    }
}
