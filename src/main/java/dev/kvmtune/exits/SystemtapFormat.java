package dev.kvmtune.exits;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The systemtap count lines of seed 001: {@code [ EXIT_REASON_HLT] [12] count = 9617} for exit
 * reasons (VMX basic reason in decimal) and {@code [ MSR_IA32_TSC_DEADLINE] [0x6e0] count = 346}
 * (or an empty name) for MSRs, blocks separated by a line of dashes, one block per interval.
 */
final class SystemtapFormat implements ExitFormat {
    static final Pattern LINE = Pattern.compile("^\\s*\\[\\s*([A-Za-z0-9_ ]*?)\\s*\\]\\s*\\[\\s*(0x[0-9a-fA-F]+|\\d+)\\s*\\]\\s*count\\s*=\\s*(\\d+)\\s*$");
    private static final Pattern RULE = Pattern.compile("^\\s*-{5,}\\s*$");

    @Override
    public String name() {
        return "systemtap";
    }

    @Override
    public boolean matches(String head) {
        return head.lines().limit(200).anyMatch(l -> LINE.matcher(l).matches());
    }

    @Override
    public Double read(InputStream in, String file, ExitTally tally, Warnings warnings, Options options) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int lineNo = 0;
        int blocks = 0;
        boolean inBlock = false;
        for (String line; (line = r.readLine()) != null; ) {
            lineNo++;
            if (line.isBlank()) continue;
            if (RULE.matcher(line).matches()) {
                inBlock = false;
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches() || m.group(2).length() > 18 || m.group(3).length() > 18) {
                tally.unknownLine();
                warnings.once("unknown-line", file + ":" + lineNo + ": not a systemtap count line: " + Warnings.excerpt(line));
                continue;
            }
            if (!inBlock) {
                blocks++;
                inBlock = true;
            }
            String name = m.group(1);
            String code = m.group(2);
            long n = Long.parseLong(m.group(3));
            if (code.startsWith("0x") || name.startsWith("MSR")) {
                tally.msr(Long.parseLong(code.startsWith("0x") ? code.substring(2) : code, code.startsWith("0x") ? 16 : 10), null, n);
            } else if (name.isEmpty() || name.startsWith("EXIT_REASON_")) {
                tally.add(tally.reasonId(ExitReasons.Isa.VMX, Long.parseLong(code)), n);
            } else {
                tally.add(tally.reasonId(name), n);
            }
        }
        if (blocks > 1) tally.note(blocks + " systemtap blocks added together");
        return null;
    }
}
