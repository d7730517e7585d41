package dev.kvmtune.exits;

import dev.kvmtune.exits.ExitReasons.Isa;
import dev.kvmtune.util.Numbers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hist file of a kvm_exit hist trigger (Documentation/trace/histogram.rst), e.g. from
 * {@code echo 'hist:keys=exit_reason,common_pid' > events/kvm/kvm_exit/trigger}:
 * <pre>
 * { exit_reason:         30, common_pid:       1234 } hitcount:        157
 * </pre>
 * Keys may carry modifiers ({@code common_pid.execname} prints {@code comm[pid]}, {@code .hex}
 * prints 0x..). exit_reason is a raw number, so the ISA comes from {@code --isa} (VMX by default);
 * for VMX its low 16 bits are the basic reason. A vcpu_id or common_pid key gives the per-vCPU view.
 */
final class HistTriggerFormat implements ExitFormat {
    private static final Pattern ENTRY = Pattern.compile("^\\{\\s*(.*?)\\s*\\}\\s*hitcount:\\s*(\\d+)");
    private static final Pattern KEY = Pattern.compile("([a-z_]+)(?:\\.[a-z]+)?:\\s*(.*?)\\s*(?:,\\s*(?=[a-z_]+(?:\\.[a-z]+)?:)|$)");
    private static final Pattern EXECNAME = Pattern.compile("^(.*?)\\s*\\[\\s*(\\d+)\\s*\\]$");

    @Override
    public String name() {
        return "hist-trigger";
    }

    @Override
    public boolean matches(String head) {
        return head.contains("# event histogram") || head.lines().limit(200).anyMatch(l -> ENTRY.matcher(l).find() && l.contains("exit_reason"));
    }

    @Override
    public Double read(InputStream in, String file, ExitTally tally, Warnings warnings, Options options) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        Isa isa = options.isa() != null ? options.isa() : Isa.VMX;
        if (options.isa() == null) tally.note("hist exit_reason numbers read as VMX reasons (--isa svm for an AMD host)");
        int lineNo = 0;
        boolean totals = false;
        for (String line; (line = r.readLine()) != null; ) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            if (t.equals("Totals:")) {
                totals = true;
                continue;
            }
            if (totals && t.matches("(Hits|Entries|Dropped):\\s*\\d+")) {
                if (t.startsWith("Dropped:") && !t.matches("Dropped:\\s*0")) tally.note("the hist table dropped entries: " + t);
                continue;
            }
            Matcher m = ENTRY.matcher(t);
            if (!m.find()) {
                bad(tally, warnings, file, lineNo, line);
                continue;
            }
            Map<String, String> keys = new LinkedHashMap<>();
            Matcher k = KEY.matcher(m.group(1));
            while (k.find()) keys.put(k.group(1), k.group(2));
            String reason = keys.get("exit_reason");
            Long code = reason == null ? null : number(reason);
            if (code == null) {
                bad(tally, warnings, file, lineNo, line);
                continue;
            }
            Long hits = number(m.group(2));
            if (hits == null) {
                bad(tally, warnings, file, lineNo, line);
                continue;
            }
            long n = hits;
            int id = tally.reasonId(isa, isa == Isa.VMX ? code & 0xffff : code);
            String slot = null;
            if (keys.containsKey("vcpu_id")) slot = "vcpu " + keys.get("vcpu_id");
            else if (keys.containsKey("common_pid")) {
                String pid = keys.get("common_pid");
                Matcher e = EXECNAME.matcher(pid);
                slot = e.matches() ? "tid " + e.group(2) + " (" + e.group(1) + ")" : "tid " + pid;
            }
            if (slot != null) tally.add(id, tally.slotId(slot), n);
            else tally.add(id, n);
        }
        return null;
    }

    private static Long number(String v) {
        java.util.OptionalLong n = v.startsWith("0x") ? Numbers.parseHex(v) : Numbers.parseLong(v);
        return n.isPresent() ? n.getAsLong() : null;
    }

    private static void bad(ExitTally tally, Warnings warnings, String file, int lineNo, String line) {
        tally.unknownLine();
        warnings.once("unknown-line", file + ":" + lineNo + ": not a kvm_exit hist entry: " + Warnings.excerpt(line));
    }
}
