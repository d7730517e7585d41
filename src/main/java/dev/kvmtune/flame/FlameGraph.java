package dev.kvmtune.flame;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * An interactive flame graph as one SVG file: each frame a box as wide as its samples, callers
 * below callees (or above with {@code inverted}, an icicle graph), siblings in name order so that
 * equal stacks merge. The embedded script ({@link FlameScript}) shows a frame's details on hover, zooms
 * into a frame on click, searches frame names by regular expression and shows the matched share,
 * and resets both. Colors come from a hash of the frame name, so the same function has the same
 * color in every graph; annotated frames ({@code _[k]} kernel, {@code _[j]} JIT, {@code _[i]}
 * inlined) get their own hues. A differential graph colors by the change between two profiles.
 */
public final class FlameGraph {
    /** The frame hues. */
    public enum Palette {
        /** reds and yellows; kernel frames orange, JIT green, inlined aqua */
        hot,
        /** greens: memory allocation profiles */
        mem,
        /** blues: I/O and off-CPU profiles */
        io,
        /** mixed-mode Java: Java frames green, C++ yellow, kernel orange, other native code red */
        java
    }

    /** Drawing options. */
    public record Options(String title, String subtitle, int width, Palette palette, boolean reverse, boolean inverted,
            String countName, double minWidth) {
        public Options {
            if (width < 100) throw new IllegalArgumentException("width must be at least 100 pixels, not " + width);
        }

        public static Options defaults(String title) {
            return new Options(title, null, 1200, Palette.hot, false, false, "samples", 0.1);
        }
    }

    static final int FRAME_HEIGHT = 16;
    static final int FONT_SIZE = 12;
    static final double FONT_WIDTH = 0.59;
    static final int XPAD = 10;
    static final int HEADER = FONT_SIZE * 3 + 4;
    static final int FOOTER = FONT_SIZE * 2 + 4;

    private Options options;
    private final StackTree tree;
    private boolean differential;
    private double beforeScale = 1;

    public FlameGraph(Options options) {
        this.options = options;
        this.tree = new StackTree(options.reverse());
    }

    /** Adds a stack (frames root first, separated by ';') with its count; the name's chars are bytes (ISO-8859-1). */
    public void add(String stack, long count) {
        byte[] b = stack.getBytes(StandardCharsets.ISO_8859_1);
        tree.add(b, 0, b.length, count, 0);
    }

    /** Adds the stack {@code b[s, e)} (frames root first, separated by ';') with its count; the bytes are only read during the call. */
    public void add(byte[] b, int s, int e, long count) {
        tree.add(b, s, e, count, 0);
    }

    /** Adds profiles' stacks. */
    public void addAll(Map<String, Long> stacks) {
        stacks.forEach(this::add);
    }

    /**
     * A stack of the baseline of a differential graph: widths stay those of the stacks {@link #add}ed
     * (the profile compared), colors show the change from these (red grew, blue shrank); see
     * {@link #normalize}.
     */
    public void addBefore(byte[] b, int s, int e, long count) {
        differential = true;
        tree.add(b, s, e, 0, count);
    }

    /** Compares shares rather than raw counts: the baseline scaled to the compared profile's total. */
    public void normalize(boolean shares) {
        long ta = total(), tb = totalBefore();
        beforeScale = shares && tb > 0 ? (double) ta / tb : 1;
    }

    /** The baseline's samples. */
    public long totalBefore() {
        return tree.before(StackTree.ROOT);
    }

    /** The line under the title, once the stacks are read. */
    public void subtitle(String subtitle) {
        Options o = options;
        options = new Options(o.title(), subtitle, o.width(), o.palette(), o.reverse(), o.inverted(), o.countName(), o.minWidth());
    }

    public long total() {
        return tree.value(StackTree.ROOT);
    }

    /** Distinct stacks added. */
    public long stacks() {
        return tree.stacks();
    }

    /**
     * The boxes to draw, in drawing order (each frame before its callees, siblings in name order):
     * node, first sample and depth of each, frames narrower than the minimum width left out.
     */
    private static final class Boxes {
        int[] node = new int[256];
        long[] start = new long[256];
        int[] depth = new int[256];
        int size;

        void add(int n, long s, int d) {
            if (size == node.length) {
                node = Arrays.copyOf(node, size * 2);
                start = Arrays.copyOf(start, size * 2);
                depth = Arrays.copyOf(depth, size * 2);
            }
            node[size] = n;
            start[size] = s;
            depth[size] = d;
            size++;
        }
    }

    private boolean visible(int n, double scale) {
        long v = tree.value(n);
        return v != 0 && v * scale >= options.minWidth();
    }

    /** Lays the tree out without recursion (stacks can be thousands of frames deep). */
    private Boxes layout(double scale) {
        Boxes out = new Boxes();
        if (!visible(StackTree.ROOT, scale)) return out;
        // pending boxes, last out first: children are pushed in reverse name order
        Boxes todo = new Boxes();
        todo.add(StackTree.ROOT, 0, 0);
        int[] kids = new int[16];
        long[] gap = new long[17];
        while (todo.size > 0) {
            todo.size--;
            int n = todo.node[todo.size];
            long start = todo.start[todo.size];
            int d = todo.depth[todo.size];
            out.add(n, start, d);
            int shown = 0;
            for (int c = tree.firstChild(n); c != 0; c = tree.nextSibling(c)) {
                if (!visible(c, scale)) continue;
                if (shown == kids.length) kids = Arrays.copyOf(kids, shown * 2);
                kids[shown++] = c;
            }
            if (shown == 0) continue;
            int[] sorted = Arrays.stream(kids, 0, shown).boxed().sorted(tree::compareNames).mapToInt(Integer::intValue).toArray();
            // the samples of the frames too narrow to draw still take their place: gap[k] lies before sorted[k]
            if (gap.length < shown + 1) gap = new long[shown + 1];
            Arrays.fill(gap, 0, shown + 1, 0);
            for (int c = tree.firstChild(n); c != 0; c = tree.nextSibling(c)) {
                if (visible(c, scale)) continue;
                int lo = 0, hi = shown;
                while (lo < hi) {
                    int mid = (lo + hi) >>> 1;
                    if (tree.compareNames(sorted[mid], c) < 0) lo = mid + 1;
                    else hi = mid;
                }
                gap[lo] += tree.value(c);
            }
            long[] starts = new long[shown];
            long s = start;
            for (int k = 0; k < shown; k++) {
                s += gap[k];
                starts[k] = s;
                s += tree.value(sorted[k]);
            }
            for (int k = shown - 1; k >= 0; k--) todo.add(sorted[k], starts[k], d + 1);
        }
        return out;
    }

    /** The frame's name: its bytes as UTF-8 where they are that, else one char per byte. */
    private String name(int node) {
        if (node == StackTree.ROOT) return "all";
        byte[] a = tree.arena();
        int s = tree.nameStart(node), len = tree.nameLength(node);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(a, s, len)).toString();
        } catch (CharacterCodingException e) {
            return new String(a, s, len, StandardCharsets.ISO_8859_1);
        }
    }

    public void writeSvg(OutputStream sink) throws IOException {
        long total = total();
        if (total == 0) throw new IllegalStateException("no samples");
        int width = options.width();
        double scale = (width - 2.0 * XPAD) / total;
        Boxes boxes = layout(scale);
        int maxDepth = 0;
        for (int i = 0; i < boxes.size; i++) maxDepth = Math.max(maxDepth, boxes.depth[i]);
        int height = HEADER + (maxDepth + 1) * FRAME_HEIGHT + FOOTER;
        double maxDelta = 0;
        if (differential) for (int i = 0; i < boxes.size; i++) maxDelta = Math.max(maxDelta, Math.abs(delta(boxes.node[i])));
        SvgOut out = new SvgOut(sink);
        out.text("<?xml version=\"1.0\" standalone=\"no\"?>\n");
        out.text("<svg version=\"1.1\" width=\"").num(width).text("\" height=\"").num(height).text("\" viewBox=\"0 0 ").num(width).text(" ").num(height)
                .text("\" onload=\"init(evt)\" xmlns=\"http://www.w3.org/2000/svg\" data-total=\"").num(total).text("\" data-xpad=\"").num(XPAD)
                .text("\" data-font-size=\"").num(FONT_SIZE).text("\" data-font-width=\"").text(Double.toString(FONT_WIDTH)).text("\">\n");
        out.text("<!-- Flame graph drawn by kvmtune: hover for details, click a frame to zoom, Ctrl-F or 'Search' to search. -->\n");
        out.text("<style type=\"text/css\">\n"
                + "text { font-family: Verdana, sans-serif; font-size: " + FONT_SIZE + "px; fill: rgb(0,0,0); }\n"
                + "#title { text-anchor: middle; font-size: " + (FONT_SIZE + 5) + "px; }\n"
                + "#subtitle { text-anchor: middle; fill: rgb(160,160,160); }\n"
                + "#search, #matched { text-anchor: end; }\n"
                + "#search, #unzoom { cursor: pointer; opacity: 0.5; }\n"
                + "#search:hover, #unzoom:hover { opacity: 1; }\n"
                + "#frames > g:hover > rect { stroke: black; stroke-width: 0.5; cursor: pointer; }\n"
                + "#frames text { pointer-events: none; }\n"
                + ".hide { display: none; }\n"
                + ".parent { opacity: 0.5; }\n"
                + "</style>\n");
        out.text("<script type=\"text/ecmascript\"><![CDATA[\n").raw(script()).text("]]></script>\n");
        out.text("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"" + (differential ? "rgb(250,250,250)" : "rgb(238,238,238)") + "\"/>\n");
        out.text("<text id=\"title\" x=\"").num(width / 2).text("\" y=\"").num(FONT_SIZE * 2).text("\">").text(xml(options.title())).text("</text>\n");
        if (options.subtitle() != null) {
            out.text("<text id=\"subtitle\" x=\"").num(width / 2).text("\" y=\"").num(FONT_SIZE * 3 + 2).text("\">").text(xml(options.subtitle())).text("</text>\n");
        }
        out.text("<text id=\"unzoom\" class=\"hide\" x=\"").num(XPAD).text("\" y=\"").num(FONT_SIZE * 2).text("\">Reset Zoom</text>\n");
        out.text("<text id=\"search\" x=\"").num(width - XPAD).text("\" y=\"").num(FONT_SIZE * 2).text("\">Search</text>\n");
        out.text("<text id=\"details\" x=\"").num(XPAD).text("\" y=\"").num(height - FONT_SIZE / 2 - 2).text("\"> </text>\n");
        out.text("<text id=\"matched\" x=\"").num(width - XPAD).text("\" y=\"").num(height - FONT_SIZE / 2 - 2).text("\"> </text>\n");
        out.text("<g id=\"frames\">\n");
        String count = " " + xml(options.countName()) + ", ";
        for (int i = 0; i < boxes.size; i++) {
            int n = boxes.node[i];
            long start = boxes.start[i];
            long v = tree.value(n);
            String name = name(n);
            double x = XPAD + start * scale;
            double w = v * scale;
            int level = boxes.depth[i];
            double y = options.inverted() ? HEADER + level * FRAME_HEIGHT : height - FOOTER - (level + 1) * FRAME_HEIGHT;
            out.text("<g data-s=\"").num(start).text("\" data-n=\"").num(v).text("\" data-d=\"").num(level).text("\"><title>");
            out.text(xml(name)).text(" (").grouped(v).text(count).fixed(100.0 * v / total, 2).text("%");
            if (differential) {
                double change = 100.0 * delta(n) / total;
                out.text("; ").text(change >= 0 ? "+" : "-").fixed(Math.abs(change), 2).text("% of all vs before");
            }
            out.text(")</title><rect x=\"").fixed(x, 1).text("\" y=\"").fixed(y, 1).text("\" width=\"").fixed(w, 1)
                    .text("\" height=\"").num(FRAME_HEIGHT - 1).text("\" fill=\"").text(differential ? diffColor(delta(n), maxDelta) : color(n, name, level))
                    .text("\" rx=\"2\" ry=\"2\"/><text x=\"").fixed(x + 3, 1).text("\" y=\"").fixed(y + FRAME_HEIGHT - 5, 1).text("\">")
                    .text(xml(fit(name, w))).text("</text></g>\n");
        }
        out.text("</g>\n</svg>\n");
        out.flush();
    }

    /** The SVG's bytes, buffered: text as UTF-8, numbers written without a formatter. */
    private static final class SvgOut {
        private final OutputStream sink;
        private final byte[] buf = new byte[1 << 16];
        private int pos;

        SvgOut(OutputStream sink) {
            this.sink = sink;
        }

        SvgOut raw(byte[] b) throws IOException {
            flush();
            sink.write(b);
            return this;
        }

        SvgOut text(String s) throws IOException {
            int n = s.length();
            if (pos + 3 * n > buf.length) {
                flush();
                if (3 * n > buf.length) {
                    sink.write(s.getBytes(StandardCharsets.UTF_8));
                    return this;
                }
            }
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    buf[pos++] = (byte) c;
                } else {
                    byte[] u = s.substring(i, Character.isHighSurrogate(c) && i + 1 < n ? i + 2 : i + 1).getBytes(StandardCharsets.UTF_8);
                    System.arraycopy(u, 0, buf, pos, u.length);
                    pos += u.length;
                    if (Character.isHighSurrogate(c) && i + 1 < n) i++;
                }
            }
            return this;
        }

        SvgOut num(long v) throws IOException {
            if (pos + 20 > buf.length) flush();
            if (v < 0) {
                buf[pos++] = '-';
                v = -v;
            }
            int end = pos + digits(v);
            int p = end;
            do {
                buf[--p] = (byte) ('0' + v % 10);
                v /= 10;
            } while (v != 0);
            pos = end;
            return this;
        }

        /** Like {@code %,d}: thousands separated by commas. */
        SvgOut grouped(long v) throws IOException {
            if (v < 1000) return num(v);
            grouped(v / 1000);
            if (pos + 4 > buf.length) flush();
            long r = v % 1000;
            buf[pos++] = ',';
            buf[pos++] = (byte) ('0' + r / 100);
            buf[pos++] = (byte) ('0' + r / 10 % 10);
            buf[pos++] = (byte) ('0' + r % 10);
            return this;
        }

        /** A non-negative number with {@code places} decimals (1 or 2), rounded half up. */
        SvgOut fixed(double v, int places) throws IOException {
            long unit = places == 1 ? 10 : 100;
            long t = Math.round(Math.max(0, v) * unit);
            num(t / unit);
            if (pos + 3 > buf.length) flush();
            buf[pos++] = '.';
            if (places == 2) buf[pos++] = (byte) ('0' + t / 10 % 10);
            buf[pos++] = (byte) ('0' + t % 10);
            return this;
        }

        private static int digits(long v) {
            int d = 1;
            while (v >= 10) {
                v /= 10;
                d++;
            }
            return d;
        }

        void flush() throws IOException {
            sink.write(buf, 0, pos);
            pos = 0;
        }
    }

    private double delta(int n) {
        return tree.value(n) - tree.before(n) * beforeScale;
    }

    static String fit(String name, double w) {
        int chars = (int) Math.floor((w - 6) / (FONT_SIZE * FONT_WIDTH));
        if (chars < 3) return "";
        if (name.length() <= chars) return name;
        int cut = chars - 2;
        if (Character.isLowSurrogate(name.charAt(cut))) cut--;
        return name.substring(0, cut) + "..";
    }

    /** A deterministic color: the hue from the palette and the frame's kind, the shade from a hash of its name. */
    String color(int node, String name, int level) {
        if (level == 0) return "rgb(200,200,200)";
        byte[] a = tree.arena();
        int s = tree.nameStart(node), e = s + tree.nameLength(node);
        double v1 = hash(a, s, e, 0x811c9dc5), v2 = hash(a, s, e, 0x01000193 ^ 0x5bd1e995), v3 = hashBackwards(a, s, e, 0x811c9dc5);
        String kind = kind(name);
        switch (options.palette()) {
            case mem:
                return rgb(0, 190 + 50 * v2, 210 * v1);
            case io:
                return rgb(80 + 60 * v1, 80 + 60 * v1, 190 + 55 * v2);
            default:
                break;
        }
        switch (kind) {
            case "kernel":
                return rgb(200 + 55 * v3, 150 + 60 * v1, 0 + 40 * v2);
            case "jit":
            case "java":
                return rgb(50 + 60 * v1, 200 + 55 * v2, 50 + 60 * v3);
            case "inline":
                return rgb(80 + 60 * v1, 200 + 55 * v2, 200 + 55 * v2);
            case "cpp":
                if (options.palette() == Palette.java) return rgb(200 + 55 * v3, 200 + 55 * v3, 50 + 60 * v1);
                break;
            default:
                break;
        }
        return rgb(205 + 50 * v3, 230 * v1, 55 * v2);
    }

    private String kind(String name) {
        if (name.endsWith("_[k]")) return "kernel";
        if (name.endsWith("_[j]")) return "jit";
        if (name.endsWith("_[i]")) return "inline";
        if (options.palette() != Palette.java) return "user";
        if (name.contains("::")) return "cpp";
        if (name.contains("/") && !name.startsWith("[") || name.startsWith("L") && name.contains(";")) return "java";
        return "user";
    }

    private static String diffColor(double delta, double max) {
        if (max == 0 || delta == 0) return "rgb(250,250,250)";
        int c = (int) Math.round(210 - 210 * Math.min(1, Math.abs(delta) / max));
        return delta > 0 ? "rgb(255," + c + "," + c + ")" : "rgb(" + c + "," + c + ",255)";
    }

    /** FNV-1a of the name's bytes from the given seed, as a fraction in [0, 1). */
    private static double hash(byte[] b, int s, int e, int seed) {
        int h = seed;
        for (int i = s; i < e; i++) {
            h ^= b[i] & 0xff;
            h *= 0x01000193;
        }
        h ^= h >>> 15;
        return (h & 0xffff) / 65536.0;
    }

    /** The same of the bytes last to first. */
    private static double hashBackwards(byte[] b, int s, int e, int seed) {
        int h = seed;
        for (int i = e - 1; i >= s; i--) {
            h ^= b[i] & 0xff;
            h *= 0x01000193;
        }
        h ^= h >>> 15;
        return (h & 0xffff) / 65536.0;
    }

    private static String rgb(double r, double g, double b) {
        return "rgb(" + (int) r + "," + (int) g + "," + (int) b + ")";
    }

    static String xml(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                default -> c < 0x20 && c != '\t' || c == 0xfffe || c == 0xffff ? "?" : null;
            };
            if (rep != null && b == null) b = new StringBuilder(s.length() + 16).append(s, 0, i);
            if (b != null) {
                if (rep != null) b.append(rep);
                else b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    private static byte[] script() {
        return FlameScript.JS.getBytes(StandardCharsets.UTF_8);
    }
}
