package dev.kvmtune.util;

import java.io.IOException;
import java.io.OutputStream;

/** A byte buffer in front of an OutputStream with the number writers the streaming printers need (no String per field). */
public final class ByteOut {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private final OutputStream out;
    private final byte[] buf;
    private int n;

    public ByteOut(OutputStream out, int size) {
        this.out = out;
        this.buf = new byte[Math.max(size, 64)];
    }

    private void room(int k) throws IOException {
        if (n + k > buf.length) flushBuffer();
    }

    private void flushBuffer() throws IOException {
        out.write(buf, 0, n);
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
            if (len > buf.length) {
                out.write(b, off, len);
                return this;
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
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) digits++;
        return decPadded(b, n, v, digits);
    }

    /** {@code width} decimal digits of a non-negative value at b[n], zero padded; returns where they end. */
    public static int decPadded(byte[] b, int n, long v, int width) {
        for (int i = n + width - 1; i >= n; i--) {
            b[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return n + width;
    }

    /** Lower-case hexadecimal of the unsigned value at b[n], no leading zeros; returns where it ends. */
    public static int hex(byte[] b, int n, long v) {
        int digits = v == 0 ? 1 : (67 - Long.numberOfLeadingZeros(v)) / 4;
        for (int i = n + digits - 1; i >= n; i--) {
            b[i] = HEX[(int) (v & 15)];
            v >>>= 4;
        }
        return n + digits;
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

    public void flush() throws IOException {
        flushBuffer();
        out.flush();
    }
}
