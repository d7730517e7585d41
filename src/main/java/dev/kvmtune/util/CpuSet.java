package dev.kvmtune.util;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.BitSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.IntConsumer;

/**
 * An immutable set of CPU numbers, parsed from and printed as the kernel's two notations:
 * the CPU list ({@code 0-3,8-11}, also with the {@code 0-15:2/4} stride form of
 * Documentation/admin-guide/kernel-parameters.rst "cpu lists") and the hexadecimal mask
 * ({@code ff,00000000}, 32-bit words separated by commas, as in {@code smp_affinity}).
 * This is the one place that knows either notation.
 */
public final class CpuSet implements Iterable<Integer>, Comparable<CpuSet> {
    public static final CpuSet EMPTY = new CpuSet(new BitSet());

    private final BitSet bits;

    private CpuSet(BitSet bits) {
        this.bits = bits;
    }

    public static CpuSet of(int... cpus) {
        BitSet b = new BitSet();
        for (int c : cpus) {
            if (c < 0) throw new IllegalArgumentException("negative CPU number " + c);
            b.set(c);
        }
        return new CpuSet(b);
    }

    public static CpuSet range(int fromInclusive, int toInclusive) {
        BitSet b = new BitSet();
        if (toInclusive >= fromInclusive) b.set(fromInclusive, toInclusive + 1);
        return new CpuSet(b);
    }

    /**
     * Parses a CPU list. Blank text is the empty set. Accepts {@code a-b:used/group} strides.
     * Does not accept the kernel's {@code N} (last CPU) or {@code all}; use {@link #parseList(String, int)}.
     *
     * @throws IllegalArgumentException naming the offending part
     */
    /** The JSON form is the list string ({@link #toList()}). */
    @com.fasterxml.jackson.annotation.JsonCreator
    public static CpuSet fromJson(String text) {
        return text.isEmpty() ? EMPTY : parseList(text);
    }

    public static CpuSet parseList(String text) {
        return parseList(text, -1);
    }

    /**
     * Parses a CPU list where {@code N} means the last CPU and {@code all} every CPU up to
     * {@code lastCpu}, as the kernel accepts on its command line. {@code lastCpu < 0}: not allowed.
     */
    public static CpuSet parseList(String text, int lastCpu) {
        String t = text == null ? "" : text.strip();
        BitSet b = new BitSet();
        if (t.isEmpty()) return new CpuSet(b);
        if (t.equals("all")) {
            if (lastCpu < 0) throw new IllegalArgumentException("'all' needs the CPU count");
            b.set(0, lastCpu + 1);
            return new CpuSet(b);
        }
        for (String part : t.split(",", -1)) {
            String p = part.strip();
            if (p.isEmpty()) throw new IllegalArgumentException("empty element in CPU list '" + t + "'");
            int colon = p.indexOf(':');
            String span = colon < 0 ? p : p.substring(0, colon);
            int dash = span.indexOf('-');
            int from;
            int to;
            if (dash < 0) {
                from = to = cpuNumber(span, lastCpu, t);
            } else {
                from = cpuNumber(span.substring(0, dash), lastCpu, t);
                to = cpuNumber(span.substring(dash + 1), lastCpu, t);
            }
            if (to < from) throw new IllegalArgumentException("descending range '" + p + "' in CPU list '" + t + "'");
            if (colon < 0) {
                b.set(from, to + 1);
            } else {
                String[] stride = p.substring(colon + 1).split("/", -1);
                if (stride.length != 2) throw new IllegalArgumentException("bad stride '" + p + "' in CPU list '" + t + "'");
                int used = smallInt(stride[0], t);
                int group = smallInt(stride[1], t);
                if (group == 0 || used > group) throw new IllegalArgumentException("bad stride '" + p + "' in CPU list '" + t + "'");
                for (int c = from; c <= to; c++) {
                    if ((c - from) % group < used) b.set(c);
                }
            }
        }
        return new CpuSet(b);
    }

    private static int cpuNumber(String s, int lastCpu, String whole) {
        String x = s.strip();
        if (x.equals("N") && lastCpu >= 0) return lastCpu;
        return smallInt(x, whole);
    }

    private static int smallInt(String s, String whole) {
        String x = s.strip();
        if (x.isEmpty() || x.length() > 7) throw new IllegalArgumentException("bad CPU number '" + x + "' in '" + whole + "'");
        for (int i = 0; i < x.length(); i++) {
            if (x.charAt(i) < '0' || x.charAt(i) > '9') throw new IllegalArgumentException("bad CPU number '" + x + "' in '" + whole + "'");
        }
        return Integer.parseInt(x);
    }

    /** Parses a hexadecimal mask of comma-separated 32-bit words, most significant first. */
    public static CpuSet parseMask(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) throw new IllegalArgumentException("empty CPU mask");
        BitSet b = new BitSet();
        String[] words = t.split(",", -1);
        int bit = 0;
        for (int w = words.length - 1; w >= 0; w--) {
            String word = words[w].strip();
            if (word.startsWith("0x") || word.startsWith("0X")) word = word.substring(2);
            if (word.isEmpty() || word.length() > 8 && words.length > 1) {
                throw new IllegalArgumentException("bad word '" + words[w] + "' in CPU mask '" + t + "'");
            }
            for (int i = word.length() - 1; i >= 0; i--) {
                int nibble = Character.digit(word.charAt(i), 16);
                if (nibble < 0) throw new IllegalArgumentException("bad hex digit in CPU mask '" + t + "'");
                for (int k = 0; k < 4; k++) {
                    if ((nibble & (1 << k)) != 0) b.set(bit + k);
                }
                bit += 4;
            }
            // a short word still occupies 32 bits
            if (words.length > 1) bit = (words.length - w) * 32;
        }
        return new CpuSet(b);
    }

    public boolean contains(int cpu) {
        return cpu >= 0 && bits.get(cpu);
    }

    public boolean isEmpty() {
        return bits.isEmpty();
    }

    public int size() {
        return bits.cardinality();
    }

    /** Highest CPU in the set, or -1 when empty. */
    public int last() {
        return bits.length() - 1;
    }

    /** Lowest CPU in the set, or -1 when empty. */
    public int first() {
        return bits.nextSetBit(0);
    }

    public CpuSet union(CpuSet o) {
        BitSet b = (BitSet) bits.clone();
        b.or(o.bits);
        return new CpuSet(b);
    }

    public CpuSet intersect(CpuSet o) {
        BitSet b = (BitSet) bits.clone();
        b.and(o.bits);
        return new CpuSet(b);
    }

    public CpuSet minus(CpuSet o) {
        BitSet b = (BitSet) bits.clone();
        b.andNot(o.bits);
        return new CpuSet(b);
    }

    public boolean containsAll(CpuSet o) {
        return o.minus(this).isEmpty();
    }

    public boolean intersects(CpuSet o) {
        return bits.intersects(o.bits);
    }

    public void forEachCpu(IntConsumer action) {
        for (int c = bits.nextSetBit(0); c >= 0; c = bits.nextSetBit(c + 1)) action.accept(c);
    }

    public int[] toArray() {
        return bits.stream().toArray();
    }

    /** The kernel's list notation with ranges, e.g. {@code 0-3,8}; empty string for the empty set. */
    @JsonValue
    public String toList() {
        StringBuilder sb = new StringBuilder();
        int c = bits.nextSetBit(0);
        while (c >= 0) {
            int end = bits.nextClearBit(c) - 1;
            if (sb.length() > 0) sb.append(',');
            sb.append(c);
            if (end > c) sb.append('-').append(end);
            c = bits.nextSetBit(end + 1);
        }
        return sb.toString();
    }

    /** The mask notation for {@code cpuCount} CPUs, in 32-bit words like {@code smp_affinity}. */
    public String toMask(int cpuCount) {
        int words = Math.max(1, (Math.max(cpuCount, bits.length()) + 31) / 32);
        StringBuilder sb = new StringBuilder();
        for (int w = words - 1; w >= 0; w--) {
            long word = 0;
            for (int k = 0; k < 32; k++) {
                if (bits.get(w * 32 + k)) word |= 1L << k;
            }
            if (sb.length() > 0) sb.append(',');
            String hex = Long.toHexString(word);
            if (w == words - 1) {
                // the kernel pads the top word only to the CPUs that exist
                int digits = Math.max(1, ((Math.min(32, Math.max(1, cpuCount - w * 32))) + 3) / 4);
                sb.append("0".repeat(Math.max(0, digits - hex.length()))).append(hex);
            } else {
                sb.append("0".repeat(8 - hex.length())).append(hex);
            }
        }
        return sb.toString();
    }

    @Override
    public Iterator<Integer> iterator() {
        return new Iterator<>() {
            int next = bits.nextSetBit(0);

            @Override
            public boolean hasNext() {
                return next >= 0;
            }

            @Override
            public Integer next() {
                if (next < 0) throw new NoSuchElementException();
                int c = next;
                next = bits.nextSetBit(c + 1);
                return c;
            }
        };
    }

    @Override
    public int compareTo(CpuSet o) {
        int a = first();
        int b = o.first();
        if (a != b) return Integer.compare(a, b);
        return toList().compareTo(o.toList());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuSet c && c.bits.equals(bits);
    }

    @Override
    public int hashCode() {
        return bits.hashCode();
    }

    @Override
    public String toString() {
        return toList();
    }
}
