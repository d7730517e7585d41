package dev.kvmtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Where commands that print bytes (folded stacks, trace text) write: the process's stdout
 * directly, or, when picocli's writer was replaced (tests), a buffer handed to that writer at
 * {@link #finish()} decoded with {@code charset}.
 */
final class ByteStdout {
    private final PrintWriter pw;
    private final OutputStream stream;
    private final Charset charset;

    ByteStdout(PrintWriter pw, Charset charset) {
        this.pw = pw;
        this.charset = charset;
        if (pw == Main.STDOUT) {
            pw.flush();
            stream = new FilterOutputStream(System.out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            };
        } else {
            stream = new ByteArrayOutputStream();
        }
    }

    OutputStream stream() {
        return stream;
    }

    void text(String s) throws IOException {
        stream.write(s.getBytes(StandardCharsets.UTF_8));
    }

    void finish() throws IOException {
        stream.flush();
        if (stream instanceof ByteArrayOutputStream b) {
            pw.print(b.toString(charset));
            pw.flush();
        }
    }
}
