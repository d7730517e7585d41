package dev.kvmtune.exits;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;

/** perf script, trace-cmd report and ftrace text of kvm_exit / kvm_entry / kvm_msr ({@link TraceLineParser}). */
final class TraceFormat implements ExitFormat {
    private static final Pattern EVENT = Pattern.compile("\\d\\.\\d+: +(kvm:)?kvm_(exit|entry|msr): ");
    private String detected = "trace";

    /** TraceLineParser skips a line over its limit with a warning. */
    @Override
    public boolean boundsLines() {
        return true;
    }

    @Override
    public String name() {
        return detected;
    }

    @Override
    public boolean matches(String head) {
        return EVENT.matcher(head).find();
    }

    @Override
    public Double read(InputStream in, String file, ExitTally tally, Warnings warnings, Options options) throws IOException {
        TraceLineParser p = new TraceLineParser(tally, file, warnings);
        p.parse(in);
        if (p.format() != null) detected = p.format();
        return p.seconds();
    }
}
