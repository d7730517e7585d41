package dev.kvmtune.exits;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code perf kvm stat report} / {@code live} text (tools/perf/builtin-kvm.c): a block per report,
 * "Analyze events for all VMs, all VCPUs:" (or "pid(s) N", "VCPU N"), the header with the event
 * column right-aligned in 20 characters (perf up to 6.2) or 40 (later), one row per reason
 * {@code NAME SAMPLES PCT% PCT% MINus MAXus AVGus ( +- PCT% )}, and a "Total Samples:" line. The
 * name may hold spaces (SVM's "DE excp"), so a row is read from its right end.
 */
final class PerfKvmStatFormat implements ExitFormat {
    private static final Pattern HEADER = Pattern.compile("^\\s*(VM-EXIT|IO Port Access|MMIO Access)\\s+Samples\\s+Samples%\\s+Time%");
    private static final Pattern ROW = Pattern.compile(
            "^\\s*(.+?)\\s+(\\d+)\\s+([\\d.]+)%\\s+([\\d.]+)%\\s+([\\d.]+)us\\s+([\\d.]+)us\\s+([\\d.]+)us\\s*(\\(\\s*\\+-\\s*[\\d.]+%\\s*\\))?\\s*$");
    private static final Pattern ANALYZE = Pattern.compile("^Analyze events for (.*?), (all VCPUs|VCPU (\\d+)):\\s*$");
    private static final Pattern TOTAL = Pattern.compile("^Total Samples:\\s*(\\d+)");
    private static final Pattern LIVE_TIME = Pattern.compile("^\\d{2}:\\d{2}:\\d{2}\\.\\d+\\s*$");

    @Override
    public String name() {
        return "perf-kvm-stat";
    }

    @Override
    public boolean matches(String head) {
        return head.lines().limit(2000).anyMatch(l -> HEADER.matcher(l).find());
    }

    @Override
    public Double read(InputStream in, String file, ExitTally tally, Warnings warnings, Options options) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String vcpu = null;
        boolean inVmexit = false;
        boolean inOther = false;
        int blocks = 0;
        int lineNo = 0;
        for (String line; (line = r.readLine()) != null; ) {
            lineNo++;
            if (line.isBlank()) continue;
            Matcher a = ANALYZE.matcher(line);
            if (a.find()) {
                vcpu = a.group(3) == null ? null : "vcpu " + a.group(3);
                continue;
            }
            Matcher h = HEADER.matcher(line);
            if (h.find()) {
                inVmexit = h.group(1).equals("VM-EXIT");
                inOther = !inVmexit;
                if (inVmexit) blocks++;
                else tally.note("perf kvm stat " + h.group(1) + " tables skipped (only VM-EXIT is read)");
                continue;
            }
            if (TOTAL.matcher(line).find() || LIVE_TIME.matcher(line).matches()) {
                inVmexit = false;
                inOther = false;
                continue;
            }
            Matcher m = ROW.matcher(line);
            if (m.matches() && inOther) continue;
            if (m.matches() && inVmexit && m.group(2).length() < 19) {
                long n = Long.parseLong(m.group(2));
                int reason = tally.reasonId(m.group(1));
                if (vcpu != null) tally.add(reason, tally.slotId(vcpu), n);
                else tally.add(reason, n);
                if (n > 0) {
                    long min = Math.round(Double.parseDouble(m.group(5)) * 1000);
                    long max = Math.round(Double.parseDouble(m.group(6)) * 1000);
                    double avg = Double.parseDouble(m.group(7)) * 1000;
                    tally.stated(reason, n, Math.round(avg * n), min, max);
                }
                continue;
            }
            tally.unknownLine();
            warnings.once("unknown-line", file + ":" + lineNo + ": not a perf kvm stat line: " + Warnings.excerpt(line));
        }
        if (blocks > 1) tally.note(blocks + " VM-EXIT tables added together");
        return null;
    }
}
