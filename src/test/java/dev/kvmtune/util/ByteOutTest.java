package dev.kvmtune.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class ByteOutTest {
    @Property(tries = 5000)
    void hexIsJavasUnsignedHex(@ForAll long v, @ForAll @IntRange(min = 0, max = 7) int at) {
        byte[] b = new byte[at + 16];
        java.util.Arrays.fill(b, (byte) '#');
        int end = ByteOut.hex(b, at, v);
        assertThat(new String(b, at, end - at, StandardCharsets.US_ASCII)).isEqualTo(Long.toHexString(v));
        for (int i = 0; i < at; i++) assertThat(b[i]).isEqualTo((byte) '#');
    }

    @Property(tries = 5000)
    void hexOfEveryLength(@ForAll @IntRange(min = 0, max = 63) int bit, @ForAll @IntRange(min = 0, max = 1) int minusOne) {
        long v = (1L << bit) - minusOne;
        byte[] b = new byte[16];
        assertThat(new String(b, 0, ByteOut.hex(b, 0, v), StandardCharsets.US_ASCII)).isEqualTo(Long.toHexString(v));
    }

    @Property(tries = 5000)
    void decIsJavasDecimal(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long v) {
        byte[] b = new byte[20];
        assertThat(new String(b, 0, ByteOut.dec(b, 0, v), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(v));
    }

    @Property(tries = 2000)
    void decPaddedKeepsTheWidth(@ForAll @LongRange(min = 0, max = 999_999) long v) {
        byte[] b = new byte[6];
        assertThat(new String(b, 0, ByteOut.decPadded(b, 0, v, 6), StandardCharsets.US_ASCII)).isEqualTo(String.format("%06d", v));
    }

    @Test
    void powersOfTenAndTheEdges() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ByteOut out = new ByteOut(sink, 64);
        StringBuilder want = new StringBuilder();
        for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10; p *= 10) {
            for (long v : new long[] {p - 1, p, p + 1}) {
                out.dec(v).write((byte) ' ').hex(v).write((byte) '\n');
                want.append(v).append(' ').append(Long.toHexString(v)).append('\n');
            }
        }
        out.dec(Long.MIN_VALUE).write((byte) ' ').dec(Long.MAX_VALUE).write((byte) ' ').hex(-1L).flush();
        want.append(Long.MIN_VALUE).append(' ').append(Long.MAX_VALUE).append(" ffffffffffffffff");
        assertThat(sink.toString(StandardCharsets.US_ASCII)).isEqualTo(want.toString());
    }
}
