package dev.kvmtune.util;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** A byte buffer in front of an OutputStream with the number writers the streaming printers need (no String per field). */
public final class ByteOut {
    /** Takes a filled buffer as it is (no copy) and gives back an empty one of the same size. */
    private interface Drain {
        byte[] exchange(byte[] filled, int length) throws IOException;
    }

    private final OutputStream out;
    private final Drain drain;
    private byte[] buf;
    private int n;

    public ByteOut(OutputStream out, int size) {
        this.out = out;
        this.drain = null;
        this.buf = new byte[Math.max(size, 64)];
    }

    /** Full buffers go to the drain whole. */
    private ByteOut(Drain drain, int size) {
        this.out = null;
        this.drain = drain;
        this.buf = new byte[Math.max(size, 64)];
    }

    /** Buffers of the stream's chunk size handed to its writer thread whole, not copied. */
    public ByteOut(AsyncOutputStream out) {
        this(out::exchange, out.chunkSize());
    }

    private void room(int k) throws IOException {
        if (n + k > buf.length) flushBuffer();
    }

    private void flushBuffer() throws IOException {
        if (n == 0) return;
        if (drain != null) buf = drain.exchange(buf, n);
        else out.write(buf, 0, n);
        n = 0;
    }

    public ByteOut write(byte b) throws IOException {
        if (n == buf.length) flushBuffer();
        buf[n++] = b;
        return this;
    }

    public ByteOut write(byte[] b) throws IOException {
        return write(b, 0, b.length);
    }

    public ByteOut write(byte[] b, int off, int len) throws IOException {
        if (len > buf.length - n) {
            flushBuffer();
            if (len > buf.length && out != null) {
                out.write(b, off, len);
                return this;
            }
            while (len > buf.length) {
                System.arraycopy(b, off, buf, 0, buf.length);
                n = buf.length;
                off += n;
                len -= n;
                flushBuffer();
            }
        }
        System.arraycopy(b, off, buf, n, len);
        n += len;
        return this;
    }

    public ByteOut ascii(String s) throws IOException {
        int len = s.length();
        if (len > buf.length) {
            for (int i = 0; i < len; i++) write((byte) s.charAt(i));
            return this;
        }
        room(len);
        for (int i = 0; i < len; i++) buf[n++] = (byte) s.charAt(i);
        return this;
    }

    /** Decimal, signed. */
    public ByteOut dec(long v) throws IOException {
        room(20);
        if (v < 0) {
            if (v == Long.MIN_VALUE) return ascii("-9223372036854775808");
            buf[n++] = '-';
            v = -v;
        }
        n = dec(buf, n, v);
        return this;
    }

    /** Decimal with exactly {@code width} digits, zero padded ({@code v} must fit). */
    public ByteOut decPadded(long v, int width) throws IOException {
        room(width);
        n = decPadded(buf, n, v, width);
        return this;
    }

    /** Lower-case hexadecimal of the unsigned value, no leading zeros. */
    public ByteOut hex(long v) throws IOException {
        room(16);
        n = hex(buf, n, v);
        return this;
    }

    /** A non-negative decimal written at b[n]; returns where it ends. */
    public static int dec(byte[] b, int n, long v) {
        return decPadded(b, n, v, digits(v));
    }

    /** Decimal digits of a non-negative value. */
    static int digits(long v) {
        int d = 1;
        for (long p = 10; d < 19 && v >= p; p *= 10) d++;
        return d;
    }

    /** "00" to "99", two bytes each. */
    private static final byte[] PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            PAIRS[2 * i] = (byte) ('0' + i / 10);
            PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    /** {@code width} decimal digits of a non-negative value at b[n], zero padded; returns where they end. */
    public static int decPadded(byte[] b, int n, long v, int width) {
        int i = n + width;
        while (i - n >= 2) {
            long q = v / 100;
            int r = (int) (v - q * 100);
            b[--i] = PAIRS[2 * r + 1];
            b[--i] = PAIRS[2 * r];
            v = q;
        }
        if (i > n) b[n] = (byte) ('0' + v % 10);
        return n + width;
    }

    private static final VarHandle BE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /**
     * Lower-case hexadecimal of the unsigned value at b[n], no leading zeros; returns where it
     * ends. Writes eight bytes at a time: b must have room for 16 bytes from n, and the bytes after
     * the returned end are scratch.
     */
    public static int hex(byte[] b, int n, long v) {
        int digits = v == 0 ? 1 : (67 - Long.numberOfLeadingZeros(v)) / 4;
        if (digits <= 8) {
            BE64.set(b, n, hexWord((int) v) << (8 * (8 - digits)));
        } else {
            BE64.set(b, n, hexWord((int) (v >>> 32)) << (8 * (16 - digits)));
            BE64.set(b, n + digits - 8, hexWord((int) v));
        }
        return n + digits;
    }

    /** The eight hex digits of x as ASCII, most significant in the top byte. */
    private static long hexWord(int x) {
        long v = x & 0xffffffffL;
        v = (v | (v << 16)) & 0x0000ffff0000ffffL;
        v = (v | (v << 8)) & 0x00ff00ff00ff00ffL;
        v = (v | (v << 4)) & 0x0f0f0f0f0f0f0f0fL;
        long letters = ((v + 0x0606060606060606L) >>> 4) & 0x0101010101010101L;
        return v + 0x3030303030303030L + letters * ('a' - '0' - 10);
    }

    /**
     * For printers that format in place: makes room for {@code k} bytes (at most the buffer size)
     * and returns the buffer; write from {@link #position()} and then call {@link #position(int)}.
     */
    public byte[] reserve(int k) throws IOException {
        if (k > buf.length) throw new IllegalArgumentException(k + " bytes do not fit a " + buf.length + "-byte buffer");
        room(k);
        return buf;
    }

    public int position() {
        return n;
    }

    public void position(int p) {
        n = p;
    }

    public int capacity() {
        return buf.length;
    }

    /** Hands on what is buffered (and flushes the stream, if there is one). */
    public void flush() throws IOException {
        flushBuffer();
        if (out != null) out.flush();
    }
}
