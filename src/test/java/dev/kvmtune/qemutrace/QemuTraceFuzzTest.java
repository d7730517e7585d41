package dev.kvmtune.qemutrace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.BadInputException;
import dev.kvmtune.util.ByteOut;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The qemu-trace parsers fed corrupted and cut files, through the text printer (small output
 * buffers, so that records meet buffer ends): the printed text, or one bad-input message naming
 * the file, nothing else.
 */
class QemuTraceFuzzTest {
    private static final List<TraceEvent> EVENTS = QemuTraceTest.events();

    private static void printOrRefuse(byte[] trace, boolean noHeader, int bufferSize) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try {
            ByteOut out = new ByteOut(sink, bufferSize);
            new SimpleTraceReader(EVENTS, noHeader).read(new ByteArrayInputStream(trace), "fuzz.bin", new SimpletraceText(out));
            out.flush();
            String text = sink.toString(StandardCharsets.ISO_8859_1);
            assertThat(text.isEmpty() || text.endsWith("\n")).isTrue();
        } catch (BadInputException e) {
            assertThat(e.getMessage()).startsWith("fuzz.bin: ");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Property(tries = 300)
    void v4TracesCorrupted(@ForAll @IntRange(min = 0, max = 1000) int seed, @ForAll @IntRange(min = 1, max = 12) int flips,
            @ForAll boolean cut, @ForAll @IntRange(min = 64, max = 4096) int bufferSize) {
        Random rnd = new Random(seed);
        byte[] b = QemuTraceTest.randomV4(seed, 80);
        for (int i = 0; i < flips; i++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        if (cut) b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
        printOrRefuse(b, false, bufferSize);
        printOrRefuse(Arrays.copyOfRange(b, Math.min(24, b.length), b.length), true, bufferSize);
    }

    @Property(tries = 300)
    void lengthFieldsStretched(@ForAll @IntRange(min = 0, max = 1000) int seed, @ForAll @IntRange(min = 64, max = 512) int bufferSize) {
        // a string argument or record length set to something large: the printer must not overrun its buffer
        Random rnd = new Random(seed);
        SimpleTraceWriter w = new SimpleTraceWriter(4, true);
        for (int i = 0; i < EVENTS.size(); i++) w.mapping(i, EVENTS.get(i).name());
        for (int k = 0; k < 20; k++) {
            int i = rnd.nextInt(EVENTS.size());
            Object[] args = SimpleTraceWriter.randomArgs(EVENTS.get(i), rnd);
            for (int a = 0; a < args.length; a++) {
                if (args[a] instanceof byte[] s && rnd.nextInt(3) == 0) {
                    byte[] big = new byte[rnd.nextInt(5000)];
                    rnd.nextBytes(big);
                    args[a] = big;
                }
            }
            w.event(i, rnd.nextLong(), rnd.nextInt(), args);
        }
        printOrRefuse(w.bytes(), false, bufferSize);
    }

    @Property(tries = 200)
    void anyBytesAfterAHeader(@ForAll @Size(max = 400) byte[] body, @ForAll @IntRange(min = 2, max = 5) int version) {
        SimpleTraceWriter w = new SimpleTraceWriter(version, true);
        byte[] head = w.bytes();
        byte[] b = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, b, head.length, body.length);
        printOrRefuse(b, false, 64);
    }

    @Property(tries = 300)
    void traceEventsFilesCorrupted(@ForAll @IntRange(min = 0, max = 100_000) int seed) throws IOException {
        String text = java.nio.file.Files.readString(QemuTraceTest.EVENTS);
        Random rnd = new Random(seed);
        char[] c = text.toCharArray();
        String junk = "(),\" \n\\*%abc0\u0000";
        for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) c[rnd.nextInt(c.length)] = junk.charAt(rnd.nextInt(junk.length()));
        try {
            List<TraceEvent> ev = TraceEventsFile.parse(new String(c), "fuzz-events");
            assertThat(ev).isNotEmpty();
            for (TraceEvent e : ev) assertThat(e.args().size()).isLessThanOrEqualTo(10);
        } catch (BadInputException e) {
            assertThat(e.getMessage()).startsWith("fuzz-events");
        }
    }

    @Property(tries = 300)
    void logBackendAnyText(@ForAll @Size(max = 400) byte[] junk, @ForAll @IntRange(min = 0, max = 400) int at) throws IOException {
        String good = "4242@1700000000.000100:qmp_enter_query_status \n4242@1700000000.000150:qmp_exit_query_status {} 1\n";
        byte[] g = good.getBytes(StandardCharsets.US_ASCII);
        int p = Math.min(at, g.length);
        byte[] b = new byte[g.length + junk.length];
        System.arraycopy(g, 0, b, 0, p);
        System.arraycopy(junk, 0, b, p, junk.length);
        System.arraycopy(g, p, b, p + junk.length, g.length - p);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ByteOut out = new ByteOut(sink, 64);
        try {
            new LogTraceReader(List.of()).read(new ByteArrayInputStream(b), "fuzz.log", new SimpletraceText(out), m -> assertThat(m).startsWith("fuzz.log"));
            out.flush();
        } catch (BadInputException e) {
            assertThat(e.getMessage()).startsWith("fuzz.log: ");
        }
    }

    /** A cut past the reader's first megabyte is reported at the cut record's own offset (it was reported near twice that). */
    @org.junit.jupiter.api.Test
    void aCutFarIntoTheFileIsReportedAtItsOwnOffset() throws Exception {
        SimpleTraceWriter w = new SimpleTraceWriter(4, true).mapping(5, "qmp_job_cancel");
        int small = w.bytes().length;
        for (int k = 0; k < 100_000; k++) w.event(5, 1_000_000L + k, 42, (long) k);
        byte[] all = w.bytes();
        int recordBytes = (all.length - small) / 100_000;
        long lastStart = small + 99_999L * recordBytes;
        byte[] cut = java.util.Arrays.copyOf(all, (int) lastStart + 10);
        java.nio.file.Path f = java.nio.file.Files.createTempFile("kvmtune-cut", ".trace");
        try {
            java.nio.file.Files.write(f, cut);
            dev.kvmtune.testing.Cli.Result r = dev.kvmtune.testing.Cli.run("qemu-trace", QemuTraceTest.EVENTS.toString(), f.toString());
            org.assertj.core.api.Assertions.assertThat(r.exit()).isEqualTo(2);
            org.assertj.core.api.Assertions.assertThat(r.err()).contains(f + ": byte " + lastStart + ": the file ends inside a record (after 99999 whole records)");
        } finally {
            java.nio.file.Files.delete(f);
        }
    }
}
