package dev.kvmtune.exits;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code kvm_stat --log} and {@code --log --csv} output (tools/kvm/kvm_stat). The plain log
 * repeats a banner of field names (separated by spaces) every 20 lines and prints each interval's
 * deltas as {@code ' %9d'} per field, after a {@code %Y-%m-%d %H:%M:%S} timestamp since Linux 5.7.
 * The CSV form has a {@code timestamp,field,...} header and {@code TIME,delta,...} lines. Fields:
 * tracepoint children {@code kvm_exit(HLT)} are exit reasons (kvm_stat's names: VMX's, or SVM's
 * upper case IOIO, NPF ...); debugfs fields (exits, halt_exits ...) and other tracepoints are
 * counters. Rates come from the timestamps (intervals × their median spacing).
 */
final class KvmStatLogFormat implements ExitFormat {
    private static final Pattern FIELD = Pattern.compile("[a-z][a-z0-9_]*(\\([A-Za-z0-9_ ]+\\))?");
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private boolean csv;

    @Override
    public String name() {
        return csv ? "kvm_stat-csv" : "kvm_stat-log";
    }

    @Override
    public boolean matches(String head) {
        for (String l : head.lines().limit(50).toList()) {
            if (l.isBlank()) continue;
            if (l.startsWith("timestamp,")) return true;
            String[] f = l.strip().split("\\s+");
            boolean fields = Arrays.stream(f).allMatch(x -> FIELD.matcher(x).matches());
            return fields && Arrays.stream(f).anyMatch(x -> x.startsWith("kvm_") || x.equals("exits") || x.endsWith("_exits"));
        }
        return false;
    }

    @Override
    public Double read(InputStream in, String file, ExitTally tally, Warnings warnings, Options options) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        List<String> fields = null;
        List<LocalDateTime> times = new ArrayList<>();
        int lineNo = 0;
        int rows = 0;
        boolean svm = false;
        for (String line; (line = r.readLine()) != null; ) {
            lineNo++;
            if (line.isBlank()) continue;
            if (line.startsWith("timestamp,")) {
                csv = true;
                fields = List.of(line.substring("timestamp,".length()).split(",", -1));
                svm = anySvm(fields);
                continue;
            }
            String t = line.strip();
            if (!csv && Character.isLetter(t.charAt(0)) && !Character.isDigit(t.charAt(0))) {
                String[] f = t.split("\\s+");
                if (Arrays.stream(f).allMatch(x -> FIELD.matcher(x).matches())) {
                    fields = List.of(f);
                    svm = anySvm(fields);
                    continue;
                }
            }
            if (fields == null) {
                bad(tally, warnings, file, lineNo, line, "a value line before the field names");
                continue;
            }
            String[] v;
            LocalDateTime when = null;
            if (csv) {
                String[] all = line.split(",", -1);
                when = time(all[0]);
                v = Arrays.copyOfRange(all, 1, all.length);
            } else {
                String[] all = t.split("\\s+");
                if (all.length == fields.size() + 2) {
                    when = time(all[0] + " " + all[1]);
                    v = Arrays.copyOfRange(all, 2, all.length);
                } else {
                    v = all;
                }
            }
            if (v.length != fields.size()) {
                bad(tally, warnings, file, lineNo, line, v.length + " values for " + fields.size() + " fields");
                continue;
            }
            long[] n = new long[v.length];
            try {
                for (int i = 0; i < v.length; i++) n[i] = Long.parseLong(v[i].strip());
            } catch (NumberFormatException e) {
                bad(tally, warnings, file, lineNo, line, "a value is not a number");
                continue;
            }
            if (when != null) times.add(when);
            rows++;
            boolean children = fields.stream().anyMatch(f -> f.startsWith("kvm_exit("));
            for (int i = 0; i < n.length; i++) {
                String f = fields.get(i);
                if (f.startsWith("kvm_exit(") && f.endsWith(")")) {
                    if (svm) tally.isaHint(ExitReasons.Isa.SVM);
                    tally.add(tally.reasonId(f.substring(9, f.length() - 1)), n[i]);
                } else if (!(children && f.equals("kvm_exit"))) {
                    tally.counter(f, n[i]);
                }
            }
        }
        if (fields == null) throw new dev.kvmtune.BadInputException(file + ": kvm_stat log without field names");
        tally.note(rows + " kvm_stat intervals");
        if (times.size() >= 2) {
            long[] gaps = new long[times.size() - 1];
            for (int i = 1; i < times.size(); i++) gaps[i - 1] = java.time.Duration.between(times.get(i - 1), times.get(i)).toSeconds();
            Arrays.sort(gaps);
            long step = gaps[gaps.length / 2];
            if (step > 0) return (double) step * rows;
        }
        return null;
    }

    private static boolean anySvm(List<String> fields) {
        for (String f : fields) {
            if (f.startsWith("kvm_exit(") && f.endsWith(")") && ExitReasons.svmOnly(f.substring(9, f.length() - 1))) return true;
        }
        return false;
    }

    private static LocalDateTime time(String s) {
        try {
            return LocalDateTime.parse(s.strip(), TS);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static void bad(ExitTally tally, Warnings warnings, String file, int lineNo, String line, String why) {
        tally.unknownLine();
        warnings.once("unknown-line", file + ":" + lineNo + ": " + why + ": " + Warnings.excerpt(line));
    }
}
