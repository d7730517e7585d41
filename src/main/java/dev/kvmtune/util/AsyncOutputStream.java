package dev.kvmtune.util;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Writes to the underlying stream from a thread of its own, so that a printer producing gigabytes
 * of text formats the next chunk while the previous one is written. Chunks of {@code chunk} bytes,
 * at most {@code depth} waiting; a write error surfaces on the next write, flush or close.
 */
public final class AsyncOutputStream extends OutputStream {
    private static final byte[] END = new byte[0];
    private final OutputStream out;
    private final BlockingQueue<byte[]> full;
    private final BlockingQueue<byte[]> free;
    private final Thread writer;
    private final int chunk;
    private byte[] cur;
    private int n;
    private volatile IOException failure;
    private boolean closed;

    public AsyncOutputStream(OutputStream out, int chunk, int depth) {
        this.out = out;
        this.chunk = chunk;
        this.full = new ArrayBlockingQueue<>(depth + 1);
        this.free = new ArrayBlockingQueue<>(depth + 1);
        for (int i = 0; i < depth; i++) free.add(new byte[chunk]);
        this.cur = new byte[chunk];
        this.writer = new Thread(this::drain, "kvmtune-writer");
        writer.setDaemon(true);
        writer.start();
    }

    private void drain() {
        try {
            while (true) {
                byte[] b = full.take();
                if (b == END) break;
                int len = lengths.take();
                if (failure == null) {
                    try {
                        out.write(b, 0, len);
                    } catch (IOException e) {
                        failure = e;
                    }
                }
                free.put(b);
            }
            if (failure == null) out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            failure = e;
        }
    }

    private final BlockingQueue<Integer> lengths = new ArrayBlockingQueue<>(64);

    private void check() throws IOException {
        if (failure != null) throw failure;
        if (closed) throw new IOException("stream closed");
    }

    private void handOff() throws IOException {
        if (n == 0) return;
        try {
            lengths.put(n);
            full.put(cur);
            cur = free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        }
        n = 0;
    }

    @Override
    public void write(int b) throws IOException {
        check();
        if (n == chunk) handOff();
        cur[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        check();
        while (len > 0) {
            if (n == chunk) handOff();
            int k = Math.min(len, chunk - n);
            System.arraycopy(b, off, cur, n, k);
            n += k;
            off += k;
            len -= k;
        }
    }

    /** Hands over what is buffered; the bytes reach the underlying stream by close. */
    @Override
    public void flush() throws IOException {
        check();
        handOff();
    }

    /** Waits for everything to be written and flushed; does not close the underlying stream. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        handOff();
        closed = true;
        try {
            full.put(END);
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        }
        if (failure != null) throw failure;
    }
}
