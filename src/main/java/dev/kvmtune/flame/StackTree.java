package dev.kvmtune.flame;

import java.util.Arrays;

/**
 * Stacks merged into a tree of frames, kept as bytes: each distinct frame name is stored once and
 * numbered, each node is a frame under its parent, with its samples (and, for a differential graph,
 * the samples before). Memory grows with distinct frames and nodes, not with the input.
 *
 * <p>Adding a stack costs a hash lookup per frame, except where it starts like the stack added just
 * before it: folded files are sorted, so neighbouring lines share most of their frames, and the path
 * found for those is reused after one comparison of the bytes.
 */
final class StackTree {
    static final int ROOT = 0;

    // distinct frame names: bytes in one arena, found through an open-addressing table of ids + 1
    private byte[] arena = new byte[1 << 16];
    private int arenaLen;
    private int[] frameStart = new int[1024];
    private int[] frameLen = new int[1024];
    private int[] frameHash = new int[1024];
    private int frames;
    private int[] frameTable = new int[2048];

    // nodes: 0 is the root; children linked in the order they were first seen
    private int[] nodeFrame = new int[1024];
    private int[] firstChild = new int[1024];
    private int[] nextSibling = new int[1024];
    private long[] value = new long[1024];
    private long[] before = new long[1024];
    private boolean[] ends = new boolean[1024];
    private int nodes = 1;
    private long stacks;
    private int depth;
    // (parent << 32 | frame) -> node, 0 where empty (no child is the root)
    private long[] childKeys = new long[2048];
    private int[] childNodes = new int[2048];

    private final boolean reverse;

    // the stack added last, for the shared-prefix shortcut: its bytes, where each frame ended, its path
    private byte[] last = new byte[256];
    private int lastLen = -1;
    private int[] lastEnds = new int[64];
    private int[] lastPath = new int[64];
    private int lastFrames;
    private int[] scratch = new int[64];

    StackTree(boolean reverse) {
        this.reverse = reverse;
        nodeFrame[ROOT] = -1;
    }

    /** Adds the stack {@code b[s, e)} (frames root first, separated by ';'; empty frames skipped). */
    void add(byte[] b, int s, int e, long count, long beforeCount) {
        value[ROOT] += count;
        before[ROOT] += beforeCount;
        if (reverse) {
            addReversed(b, s, e, count, beforeCount);
            return;
        }
        // frames shared with the previous stack: up to the last ';' both have at the same place
        int kept = 0;
        int from = s;
        if (lastLen >= 0) {
            int m = Arrays.mismatch(last, 0, lastLen, b, s, e);
            int common = m < 0 ? lastLen : m;
            // frame k of the last stack ended at lastEnds[k]; it is shared when the bytes agree up to there and the new
            // stack has ';' or its end there too
            while (kept < lastFrames && lastEnds[kept] <= common && (s + lastEnds[kept] == e || b[s + lastEnds[kept]] == ';')) {
                kept++;
            }
            if (kept > 0) from = s + lastEnds[kept - 1];
        }
        int n = kept > 0 ? lastPath[kept - 1] : ROOT;
        for (int k = 0; k < kept; k++) {
            int p = lastPath[k];
            value[p] += count;
            before[p] += beforeCount;
        }
        int f = kept;
        int i = from;
        while (i < e) {
            if (b[i] == ';') {
                i++;
                continue;
            }
            int j = i;
            while (j < e && b[j] != ';') j++;
            n = child(n, intern(b, i, j));
            value[n] += count;
            before[n] += beforeCount;
            if (f == lastPath.length) {
                lastPath = Arrays.copyOf(lastPath, f * 2);
                lastEnds = Arrays.copyOf(lastEnds, f * 2);
            }
            lastPath[f] = n;
            lastEnds[f] = j - s;
            f++;
            i = j;
        }
        lastFrames = f;
        if (e - s > last.length) last = new byte[Math.max(e - s, last.length * 2)];
        System.arraycopy(b, s, last, 0, e - s);
        lastLen = e - s;
        finish(n, f);
    }

    private void addReversed(byte[] b, int s, int e, long count, long beforeCount) {
        int f = 0;
        int i = s;
        while (i < e) {
            if (b[i] == ';') {
                i++;
                continue;
            }
            int j = i;
            while (j < e && b[j] != ';') j++;
            if (f == scratch.length) scratch = Arrays.copyOf(scratch, f * 2);
            scratch[f++] = intern(b, i, j);
            i = j;
        }
        int n = ROOT;
        for (int k = f - 1; k >= 0; k--) {
            n = child(n, scratch[k]);
            value[n] += count;
            before[n] += beforeCount;
        }
        finish(n, f);
    }

    private void finish(int leaf, int frames) {
        if (!ends[leaf]) {
            ends[leaf] = true;
            stacks++;
        }
        depth = Math.max(depth, frames);
    }

    private int intern(byte[] b, int s, int e) {
        int h = hash(b, s, e);
        int mask = frameTable.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            int id = frameTable[i] - 1;
            if (id < 0) break;
            if (frameHash[id] == h && Arrays.equals(arena, frameStart[id], frameStart[id] + frameLen[id], b, s, e)) return id;
        }
        int len = e - s;
        if (arenaLen + len > arena.length) arena = Arrays.copyOf(arena, Math.max(arena.length * 2, arenaLen + len));
        System.arraycopy(b, s, arena, arenaLen, len);
        if (frames == frameStart.length) {
            frameStart = Arrays.copyOf(frameStart, frames * 2);
            frameLen = Arrays.copyOf(frameLen, frames * 2);
            frameHash = Arrays.copyOf(frameHash, frames * 2);
        }
        int id = frames++;
        frameStart[id] = arenaLen;
        frameLen[id] = len;
        frameHash[id] = h;
        arenaLen += len;
        if (frames * 2 > frameTable.length) {
            frameTable = new int[frameTable.length * 2];
            int m = frameTable.length - 1;
            for (int k = 0; k < frames; k++) {
                int i = frameHash[k] & m;
                while (frameTable[i] != 0) i = (i + 1) & m;
                frameTable[i] = k + 1;
            }
        } else {
            int i = h & mask;
            while (frameTable[i] != 0) i = (i + 1) & mask;
            frameTable[i] = id + 1;
        }
        return id;
    }

    private static int hash(byte[] b, int s, int e) {
        int h = 0x811c9dc5;
        for (int i = s; i < e; i++) h = (h ^ b[i]) * 0x01000193;
        return h ^ (h >>> 16);
    }

    private int child(int parent, int frame) {
        long key = (long) parent << 32 | frame;
        int mask = childKeys.length - 1;
        int i = mix(key) & mask;
        for (; childNodes[i] != 0; i = (i + 1) & mask) {
            if (childKeys[i] == key) return childNodes[i];
        }
        int n = nodes++;
        if (n == nodeFrame.length) {
            int c = n * 2;
            nodeFrame = Arrays.copyOf(nodeFrame, c);
            firstChild = Arrays.copyOf(firstChild, c);
            nextSibling = Arrays.copyOf(nextSibling, c);
            value = Arrays.copyOf(value, c);
            before = Arrays.copyOf(before, c);
            ends = Arrays.copyOf(ends, c);
        }
        nodeFrame[n] = frame;
        nextSibling[n] = firstChild[parent];
        firstChild[parent] = n;
        childKeys[i] = key;
        childNodes[i] = n;
        if (nodes * 2 > childKeys.length) growChildren();
        return n;
    }

    private void growChildren() {
        long[] ok = childKeys;
        int[] on = childNodes;
        childKeys = new long[ok.length * 2];
        childNodes = new int[ok.length * 2];
        int mask = childKeys.length - 1;
        for (int j = 0; j < ok.length; j++) {
            if (on[j] == 0) continue;
            int i = mix(ok[j]) & mask;
            while (childNodes[i] != 0) i = (i + 1) & mask;
            childKeys[i] = ok[j];
            childNodes[i] = on[j];
        }
    }

    private static int mix(long k) {
        k *= 0x9E3779B97F4A7C15L;
        return (int) (k ^ (k >>> 29));
    }

    long value(int node) {
        return value[node];
    }

    long before(int node) {
        return before[node];
    }

    /** Distinct stacks added. */
    long stacks() {
        return stacks;
    }

    /** The most frames in one stack. */
    int depth() {
        return depth;
    }

    int firstChild(int node) {
        return firstChild[node];
    }

    /** The next child of the same parent; 0 after the last. */
    int nextSibling(int node) {
        return nextSibling[node];
    }

    /** The frame's name as bytes: {@code arena()[nameStart(node), nameStart(node) + nameLength(node))}; the root has none. */
    byte[] arena() {
        return arena;
    }

    int nameStart(int node) {
        return frameStart[nodeFrame[node]];
    }

    int nameLength(int node) {
        return node == ROOT ? 0 : frameLen[nodeFrame[node]];
    }

    /** Name order (bytes compared unsigned) of two children of one parent. */
    int compareNames(int a, int b) {
        int fa = nodeFrame[a], fb = nodeFrame[b];
        return Arrays.compareUnsigned(arena, frameStart[fa], frameStart[fa] + frameLen[fa], arena, frameStart[fb], frameStart[fb] + frameLen[fb]);
    }
}
