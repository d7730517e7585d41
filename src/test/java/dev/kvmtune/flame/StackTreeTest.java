package dev.kvmtune.flame;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The stack tree against a plain model: every path's samples are the sum over the stacks that pass
 * through it, whatever the order of the stacks, with the shared-prefix shortcut taken or not.
 */
class StackTreeTest {
    /** The tree as "frame;frame;frame" -> samples/before, for every node but the root. */
    static Map<String, String> nodes(StackTree t) {
        Map<String, String> out = new TreeMap<>();
        walk(t, StackTree.ROOT, "", out);
        return out;
    }

    private static void walk(StackTree t, int n, String path, Map<String, String> out) {
        for (int c = t.firstChild(n); c != 0; c = t.nextSibling(c)) {
            String p = path + (path.isEmpty() ? "" : ";") + new String(t.arena(), t.nameStart(c), t.nameLength(c), StandardCharsets.ISO_8859_1);
            assertThat(out.put(p, t.value(c) + "/" + t.before(c))).as("one node per path: %s", p).isNull();
            walk(t, c, p, out);
        }
    }

    /** What the tree should hold: each stack's frames (empty ones dropped) and every prefix of them. */
    static Map<String, String> model(List<String> stacks, List<Long> counts, List<Long> befores, boolean reverse) {
        Map<String, long[]> sums = new TreeMap<>();
        for (int i = 0; i < stacks.size(); i++) {
            List<String> frames = new ArrayList<>();
            for (String f : stacks.get(i).split(";", -1)) if (!f.isEmpty()) frames.add(f);
            if (reverse) Collections.reverse(frames);
            for (int k = 1; k <= frames.size(); k++) {
                long[] s = sums.computeIfAbsent(String.join(";", frames.subList(0, k)), x -> new long[2]);
                s[0] += counts.get(i);
                s[1] += befores.get(i);
            }
        }
        Map<String, String> out = new TreeMap<>();
        sums.forEach((k, v) -> out.put(k, v[0] + "/" + v[1]));
        return out;
    }

    @Provide
    Arbitrary<List<String>> stacks() {
        // few frame names, some prefixes of others ("a", "ab"), empty frames from ";;" and edges
        Arbitrary<String> frame = Arbitraries.of("a", "ab", "b", "", "ba", "a b", "\u00e9", "x_[k]");
        Arbitrary<String> stack = frame.list().ofMinSize(0).ofMaxSize(7).map(l -> String.join(";", l));
        return stack.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 400)
    void treeHoldsTheSumsOfEveryPath(@ForAll("stacks") List<String> stacks, @ForAll boolean sorted, @ForAll boolean reverse) {
        List<String> in = new ArrayList<>(stacks);
        if (sorted) Collections.sort(in);
        List<Long> counts = new ArrayList<>();
        List<Long> befores = new ArrayList<>();
        StackTree t = new StackTree(reverse);
        // each stack's bytes sit at an offset in a larger buffer, as lines do in the reader's
        byte[] buf = new byte[4096];
        for (int i = 0; i < in.size(); i++) {
            byte[] b = in.get(i).getBytes(StandardCharsets.ISO_8859_1);
            int off = 1 + i % 7;
            java.util.Arrays.fill(buf, (byte) ';');
            System.arraycopy(b, 0, buf, off, b.length);
            long c = i % 3 + 1;
            long before = i % 2;
            counts.add(c);
            befores.add(before);
            t.add(buf, off, off + b.length, c, before);
        }
        assertThat(nodes(t)).isEqualTo(model(in, counts, befores, reverse));
        assertThat(t.value(StackTree.ROOT)).isEqualTo(counts.stream().mapToLong(Long::longValue).sum());
        assertThat(t.stacks()).isEqualTo(in.stream().map(s -> {
            List<String> f = new ArrayList<>();
            for (String x : s.split(";", -1)) if (!x.isEmpty()) f.add(x);
            if (reverse) Collections.reverse(f);
            return String.join(";", f);
        }).distinct().count());
    }

    @Test
    void aStackEndingWhereTheLastOneHadMoreFramesReusesItsPath() {
        StackTree t = new StackTree(false);
        byte[] a = "main;run;work".getBytes(StandardCharsets.US_ASCII);
        byte[] b = "main;run".getBytes(StandardCharsets.US_ASCII);
        byte[] c = "main;runner".getBytes(StandardCharsets.US_ASCII);
        t.add(a, 0, a.length, 5, 0);
        t.add(b, 0, b.length, 2, 0);
        t.add(c, 0, c.length, 1, 0);
        assertThat(nodes(t)).containsExactlyInAnyOrderEntriesOf(Map.of("main", "8/0", "main;run", "7/0", "main;run;work", "5/0", "main;runner", "1/0"));
        assertThat(t.depth()).isEqualTo(3);
        assertThat(t.stacks()).isEqualTo(3);
    }
}
