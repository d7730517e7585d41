package dev.kvmtune.util;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Writes to the underlying stream from a thread of its own, so that a printer producing gigabytes
 * of text formats the next chunk while the previous one is written. Chunks of {@code chunk} bytes,
 * at most {@code depth} in flight; a write error surfaces on the next write, flush or close.
 */
public final class AsyncOutputStream extends OutputStream {
    private record Chunk(byte[] bytes, int length) {
    }

    private static final Chunk END = new Chunk(new byte[0], 0);
    private final OutputStream out;
    private final BlockingQueue<Chunk> full;
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
        this.free = new ArrayBlockingQueue<>(depth);
        for (int i = 1; i < depth; i++) free.add(new byte[chunk]);
        this.cur = new byte[chunk];
        this.writer = new Thread(this::drain, "kvmtune-writer");
        writer.setDaemon(true);
        writer.start();
    }

    private void drain() {
        try {
            for (Chunk c = full.take(); c != END; c = full.take()) {
                if (failure == null) out.write(c.bytes(), 0, c.length());
                free.put(c.bytes());
            }
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            failure = e;
            // keep handing buffers back so that the writing side reaches the error instead of blocking
            try {
                for (Chunk c = full.take(); c != END; c = full.take()) free.put(c.bytes());
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The writer thread's error, as a new exception each time (a caller may see it on write and again on close). */
    private IOException failed() {
        return new IOException(failure.getMessage(), failure);
    }

    private void check() throws IOException {
        if (failure != null) throw failed();
        if (closed) throw new IOException("stream closed");
    }

    private void handOff() throws IOException {
        if (n == 0) return;
        try {
            full.put(new Chunk(cur, n));
            cur = free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        }
        n = 0;
    }

    public int chunkSize() {
        return chunk;
    }

    /**
     * Queues a filled buffer of the chunk size as it is, without copying (after anything written
     * before), and returns an empty one to fill next. The caller must not touch {@code filled} again.
     */
    public byte[] exchange(byte[] filled, int length) throws IOException {
        check();
        if (filled.length != chunk) throw new IllegalArgumentException("a " + filled.length + "-byte buffer for " + chunk + "-byte chunks");
        handOff();
        try {
            full.put(new Chunk(filled, length));
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        }
    }

    @Override
    public void write(int b) throws IOException {
        check();
        if (n == cur.length) handOff();
        cur[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        check();
        while (len > 0) {
            if (n == cur.length) handOff();
            int k = Math.min(len, cur.length - n);
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
        if (failure == null) handOff();
        closed = true;
        try {
            full.put(END);
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        }
        if (failure != null) throw failed();
    }
}
