package dev.kvmtune.flame;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An interactive flame graph as one SVG file: each frame a box as wide as its samples, callers
 * below callees (or above with {@code inverted}, an icicle graph), siblings in name order so that
 * equal stacks merge. The embedded script (flamegraph.js) shows a frame's details on hover, zooms
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

    private static final class Node {
        final String name;
        long value;
        long before;
        final TreeMap<String, Node> children = new TreeMap<>();

        Node(String name) {
            this.name = name;
        }
    }

    private final Options options;
    private final Node root = new Node("all");
    private boolean differential;
    private double beforeScale = 1;
    private int depth;

    public FlameGraph(Options options) {
        this.options = options;
    }

    /** Adds a stack (frames root first, separated by ';') with its count. */
    public void add(String stack, long count) {
        add(stack, count, 0);
    }

    /** Adds profiles' stacks. */
    public void addAll(Map<String, Long> stacks) {
        stacks.forEach(this::add);
    }

    /**
     * A differential graph: widths are {@code after}'s samples, colors the change from
     * {@code before} (red grew, blue shrank), with before scaled to after's total when
     * {@code normalize}.
     */
    public void addDifference(Map<String, Long> before, Map<String, Long> after, boolean normalize) {
        differential = true;
        long tb = before.values().stream().mapToLong(Long::longValue).sum();
        long ta = after.values().stream().mapToLong(Long::longValue).sum();
        beforeScale = normalize && tb > 0 ? (double) ta / tb : 1;
        after.forEach((s, c) -> add(s, c, 0));
        before.forEach((s, c) -> add(s, 0, c));
    }

    private void add(String stack, long count, long before) {
        String[] frames = stack.split(";", -1);
        if (options.reverse()) java.util.Collections.reverse(java.util.Arrays.asList(frames));
        Node n = root;
        n.value += count;
        n.before += before;
        int d = 0;
        for (String f : frames) {
            if (f.isEmpty()) continue;
            n = n.children.computeIfAbsent(f, Node::new);
            n.value += count;
            n.before += before;
            d++;
        }
        depth = Math.max(depth, d);
    }

    public long total() {
        return root.value;
    }

    private record Box(Node node, long start, int depth) {
    }

    public void writeSvg(Writer out) throws IOException {
        if (root.value == 0) throw new IllegalStateException("no samples");
        int width = options.width();
        double scale = (width - 2.0 * XPAD) / root.value;
        List<Box> boxes = new ArrayList<>();
        layout(root, 0, 0, scale, boxes);
        int maxDepth = boxes.stream().mapToInt(Box::depth).max().orElse(0);
        int height = HEADER + (maxDepth + 1) * FRAME_HEIGHT + FOOTER;
        double maxDelta = 0;
        if (differential) for (Box b : boxes) maxDelta = Math.max(maxDelta, Math.abs(delta(b.node)));
        String js = script();
        out.write("<?xml version=\"1.0\" standalone=\"no\"?>\n");
        out.write(String.format(Locale.ROOT, "<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" onload=\"init(evt)\" "
                + "xmlns=\"http://www.w3.org/2000/svg\" data-total=\"%d\" data-xpad=\"%d\" data-font-size=\"%d\" data-font-width=\"%s\">\n",
                width, height, width, height, root.value, XPAD, FONT_SIZE, FONT_WIDTH));
        out.write("<!-- Flame graph drawn by kvmtune: hover for details, click a frame to zoom, Ctrl-F or 'Search' to search. -->\n");
        out.write("<style type=\"text/css\">\n"
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
        out.write("<script type=\"text/ecmascript\"><![CDATA[\n" + js + "]]></script>\n");
        out.write("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"" + (differential ? "rgb(250,250,250)" : "rgb(238,238,238)") + "\"/>\n");
        out.write(String.format(Locale.ROOT, "<text id=\"title\" x=\"%d\" y=\"%d\">%s</text>\n", width / 2, FONT_SIZE * 2, xml(options.title())));
        if (options.subtitle() != null) {
            out.write(String.format(Locale.ROOT, "<text id=\"subtitle\" x=\"%d\" y=\"%d\">%s</text>\n", width / 2, FONT_SIZE * 3 + 2, xml(options.subtitle())));
        }
        out.write(String.format(Locale.ROOT, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n", XPAD, FONT_SIZE * 2));
        out.write(String.format(Locale.ROOT, "<text id=\"search\" x=\"%d\" y=\"%d\">Search</text>\n", width - XPAD, FONT_SIZE * 2));
        out.write(String.format(Locale.ROOT, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", XPAD, height - FONT_SIZE / 2 - 2));
        out.write(String.format(Locale.ROOT, "<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n", width - XPAD, height - FONT_SIZE / 2 - 2));
        out.write("<g id=\"frames\">\n");
        StringBuilder b = new StringBuilder(256);
        for (Box box : boxes) {
            Node n = box.node;
            double x = XPAD + box.start * scale;
            double w = n.value * scale;
            int level = box.depth;
            double y = options.inverted() ? HEADER + level * FRAME_HEIGHT : height - FOOTER - (level + 1) * FRAME_HEIGHT;
            b.setLength(0);
            b.append("<g data-s=\"").append(box.start).append("\" data-n=\"").append(n.value).append("\" data-d=\"").append(level).append("\"><title>");
            b.append(xml(n.name)).append(" (").append(String.format(Locale.ROOT, "%,d", n.value)).append(' ').append(options.countName())
                    .append(String.format(Locale.ROOT, ", %.2f%%", 100.0 * n.value / root.value));
            if (differential) b.append(String.format(Locale.ROOT, "; %+.2f%% of all vs before", 100.0 * delta(n) / root.value));
            b.append(")</title><rect x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y)).append("\" width=\"").append(fmt(w))
                    .append("\" height=\"").append(FRAME_HEIGHT - 1).append("\" fill=\"").append(differential ? diffColor(delta(n), maxDelta) : color(n.name, level))
                    .append("\" rx=\"2\" ry=\"2\"/><text x=\"").append(fmt(x + 3)).append("\" y=\"").append(fmt(y + FRAME_HEIGHT - 5)).append("\">")
                    .append(xml(fit(n.name, w))).append("</text></g>\n");
            out.write(b.toString());
        }
        out.write("</g>\n</svg>\n");
        out.flush();
    }

    private double delta(Node n) {
        return n.value - n.before * beforeScale;
    }

    private void layout(Node n, long start, int d, double scale, List<Box> boxes) {
        if (n.value * scale < options.minWidth() || n.value == 0) return;
        boxes.add(new Box(n, start, d));
        long s = start;
        for (Node c : n.children.values()) {
            layout(c, s, d + 1, scale, boxes);
            s += c.value;
        }
    }

    static String fit(String name, double w) {
        int chars = (int) Math.floor((w - 6) / (FONT_SIZE * FONT_WIDTH));
        if (chars < 3) return "";
        return name.length() <= chars ? name : name.substring(0, chars - 2) + "..";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A deterministic color: the hue from the palette and the frame's kind, the shade from a hash of its name. */
    String color(String name, int level) {
        if (level == 0) return "rgb(200,200,200)";
        double v1 = hash(name, 0x811c9dc5), v2 = hash(name, 0x01000193 ^ 0x5bd1e995), v3 = hash(new StringBuilder(name).reverse().toString(), 0x811c9dc5);
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

    /** FNV-1a of the name from the given seed, as a fraction in [0, 1). */
    private static double hash(String s, int seed) {
        int h = seed;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
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

    private static String script() {
        try (InputStream in = FlameGraph.class.getResourceAsStream("flamegraph.js")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
