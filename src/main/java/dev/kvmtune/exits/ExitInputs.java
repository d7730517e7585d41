package dev.kvmtune.exits;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.BadInputException;
import dev.kvmtune.exits.ExitReasons.Isa;
import dev.kvmtune.util.LineLimitInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads any VM-exit input, its format told by content, into an {@link ExitProfile}. */
public final class ExitInputs {
    private static final int HEAD = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ExitInputs() {
    }

    /** The formats in the order they are tried (the most specific first). */
    static List<ExitFormat> formats() {
        return List.of(new HistTriggerFormat(), new PerfKvmStatFormat(), new SystemtapFormat(), new KvmStatLogFormat(), new TraceFormat());
    }

    /**
     * @param file     the input
     * @param isa      for inputs that hold raw numbers (hist triggers); null: VMX with a note
     * @param warnings collects the once-per-kind warnings
     */
    public static ExitProfile read(Path file, Isa isa, Warnings warnings) {
        try (InputStream raw = Files.newInputStream(file); BufferedInputStream in = new BufferedInputStream(raw, HEAD)) {
            return read(in, file.toString(), isa, warnings);
        } catch (IOException e) {
            throw BadInputException.reading(file, e);
        }
    }

    /** The longest line any exit input has: perf script lines are short, a recording is pretty-printed JSON. */
    static final long MAX_LINE = 64L << 20;

    /** Reads a stream that supports mark/reset (a BufferedInputStream of at least 64 KiB). */
    public static ExitProfile read(BufferedInputStream in, String name, Isa isa, Warnings warnings) throws IOException {
        in.mark(HEAD);
        byte[] headBytes = in.readNBytes(HEAD);
        in.reset();
        if (headBytes.length == 0) throw new BadInputException(name + ": empty file");
        for (int i = 0; i < headBytes.length; i++) {
            if (headBytes[i] == 0) throw new BadInputException(name + ": binary data, not text (byte " + i + " is NUL)"
                    + (startsWith(headBytes, "PERFILE") ? "; this is a perf.data file: run 'perf script -i FILE > FILE.txt' or 'perf kvm stat report'" : ""));
        }
        String head = new String(headBytes, StandardCharsets.UTF_8);
        String lead = head.stripLeading();
        if (lead.startsWith("{") && lead.substring(1).stripLeading().startsWith("\"")) {
            return recording(new LineLimitInputStream(in, MAX_LINE, name), name);
        }
        for (ExitFormat f : formats()) {
            if (!f.matches(head)) continue;
            ExitTally tally = new ExitTally(isa);
            // the trace parser skips overlong lines itself, on the hot path of multi-gigabyte inputs; the line readers need the bound
            InputStream src = f.boundsLines() ? in : new LineLimitInputStream(in, MAX_LINE, name);
            Double seconds = f.read(src, name, tally, warnings, new ExitFormat.Options(isa));
            String from = seconds == null ? null : f instanceof KvmStatLogFormat ? "kvm_stat intervals" : "timestamps";
            ExitProfile p = tally.profile(name, f.name(), seconds, from);
            if (p.events() == 0 && p.counters().isEmpty() && p.msrs().isEmpty()) {
                throw new BadInputException(name + ": " + f.name() + " input without a single VM exit"
                        + (p.unknownLines() > 0 ? " (" + p.unknownLines() + " lines not understood)" : ""));
            }
            return p;
        }
        throw new BadInputException(name + ":1: not a VM-exit input (expected perf kvm stat report, perf script / trace-cmd / ftrace "
                + "kvm_exit lines, systemtap counts, a kvm_exit hist, kvm_stat --log/--csv, or a kvmtune recording): "
                + Warnings.excerpt(head.lines().findFirst().orElse("")));
    }

    private static ExitProfile recording(InputStream in, String name) {
        ExitProfile p;
        try {
            p = JSON.readValue(in, ExitProfile.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var loc = e.getLocation();
            throw new BadInputException(name + ":" + (loc == null ? 1 : loc.getLineNr()) + ": not a kvmtune exits recording: "
                    + dev.kvmtune.util.JsonErrors.describe(e));
        } catch (IOException e) {
            throw new BadInputException(name + ": cannot read: " + e.getMessage(), e);
        }
        if (p != null && p.events() < 0) throw new BadInputException(name + ": recording with a negative event count");
        if (p == null || !ExitProfile.MARKER.equals(p.kvmtune())) {
            throw new BadInputException(name + ":1: JSON but not a kvmtune exits recording (\"kvmtune\": \"" + ExitProfile.MARKER + "\" expected)");
        }
        if (p.reasons() == null || p.counters() == null || p.msrs() == null) {
            throw new BadInputException(name + ": recording without reasons, counters or msrs");
        }
        for (ExitProfile.ReasonRow r : p.reasons()) {
            if (r == null || r.reason() == null || r.reason().isBlank() || r.count() < 0 || r.kind() == null || !kindKnown(r.kind())) {
                throw new BadInputException(name + ": recording with a reason row without name, kind or a count >= 0");
            }
        }
        for (ExitProfile.CounterRow c : p.counters()) {
            if (c == null || c.name() == null) throw new BadInputException(name + ": recording with a counter without name");
        }
        for (ExitProfile.MsrRow m : p.msrs()) {
            if (m == null || m.msr() == null || !m.msr().matches("0x[0-9a-f]{1,8}")) throw new BadInputException(name + ": recording with an MSR row without a 0x index");
        }
        return p.withInput(name);
    }

    private static boolean kindKnown(String kind) {
        for (ExitReasons.Kind k : ExitReasons.Kind.values()) {
            if (k.name().equals(kind)) return true;
        }
        return false;
    }

    private static boolean startsWith(byte[] b, String p) {
        if (b.length < p.length()) return false;
        for (int i = 0; i < p.length(); i++) {
            if (b[i] != p.charAt(i)) return false;
        }
        return true;
    }

    /** Several files, each with its own warnings list merged into one. */
    public static List<ExitProfile> readAll(List<Path> files, Isa isa, List<String> warningsOut) {
        List<ExitProfile> out = new ArrayList<>();
        for (Path f : files) {
            Warnings w = new Warnings();
            out.add(read(f, isa, w));
            warningsOut.addAll(w.messages());
        }
        return out;
    }
}
