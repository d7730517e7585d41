package dev.kvmtune.util;

import dev.kvmtune.BadInputException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A text stream whose lines may be at most so long: a parser that reads lines whole
 * (BufferedReader.readLine, a JSON string) would otherwise hold an endless or multi-gigabyte line
 * in memory. Past the limit reading stops with one bad-input error naming the file and line.
 */
public final class LineLimitInputStream extends FilterInputStream {
    private final long maxLine;
    private final String name;
    private long run;
    private long line = 1;

    public LineLimitInputStream(InputStream in, long maxLine, String name) {
        super(in);
        this.maxLine = maxLine;
        this.name = name;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) count((byte) b);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        for (int i = 0; i < n; i++) count(b[off + i]);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // skipped bytes are not looked at; the parsers here never skip
        return super.skip(n);
    }

    private void count(byte b) {
        if (b == '\n') {
            run = 0;
            line++;
        } else if (++run > maxLine) {
            throw new BadInputException(name + ":" + line + ": a line longer than " + (maxLine >> 20) + " MiB; not the text this reads");
        }
    }
}
