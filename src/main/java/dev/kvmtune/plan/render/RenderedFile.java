package dev.kvmtune.plan.render;

/** One file a renderer produced: a path relative to --out, its text, and whether it is a script. */
public record RenderedFile(String path, String content, boolean executable) {
    public static RenderedFile text(String path, String content) {
        return new RenderedFile(path, content, false);
    }
}
