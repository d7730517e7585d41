package dev.kvmtune.cli;

import dev.kvmtune.rules.Audit;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** Text (optionally colored) and markdown forms of an audit report, grouped by area. */
final class AuditText {
    private AuditText() {
    }

    static String text(Audit.Report r, boolean color) {
        StringBuilder sb = new StringBuilder();
        sb.append("Profile: ").append(r.profile()).append(" (").append(r.profileReason()).append(")\n");
        sb.append("Isolated CPUs: ").append(r.isolated().isEmpty() ? "none" : r.isolated()).append(" (").append(r.isolatedSource()).append(")\n");
        sb.append("Housekeeping CPUs: ").append(r.housekeeping()).append('\n');
        String area = null;
        for (Finding f : r.findings()) {
            if (!f.area().equals(area)) {
                area = f.area();
                sb.append('\n').append(area.toUpperCase(Locale.ROOT)).append('\n');
            }
            sb.append("  ").append(badge(f.severity(), color)).append(' ').append(f.title()).append("  [").append(f.id()).append("]\n");
            if (f.severity() == Severity.PASS) continue;
            sb.append("      expected: ").append(f.expected()).append('\n');
            sb.append("      actual:   ").append(f.actual()).append('\n');
            for (String e : f.evidence()) sb.append("      read:     ").append(e).append('\n');
            if (f.why() != null) sb.append("      why:      ").append(f.why()).append('\n');
            if (f.fix() != null && f.fix().runtime() != null) sb.append("      fix now:  ").append(f.fix().runtime()).append('\n');
            if (f.fix() != null && f.fix().persistent() != null) sb.append("      persist:  ").append(f.fix().persistent()).append('\n');
            if (f.rebootNeeded()) sb.append("      reboot:   needed\n");
            if (f.reference() != null) sb.append("      see:      ").append(f.reference()).append('\n');
        }
        sb.append('\n').append(summary(r)).append('\n');
        return sb.toString();
    }

    static String summary(Audit.Report r) {
        Map<Severity, Integer> n = new EnumMap<>(Severity.class);
        for (Severity s : Severity.values()) n.put(s, 0);
        for (Finding f : r.findings()) n.merge(f.severity(), 1, Integer::sum);
        return String.format(Locale.ROOT, "%d checks: %d fail, %d warn, %d info, %d pass", r.findings().size(),
                n.get(Severity.FAIL), n.get(Severity.WARN), n.get(Severity.INFO), n.get(Severity.PASS));
    }

    private static String badge(Severity s, boolean color) {
        String word = String.format(Locale.ROOT, "%-4s", s.lower().toUpperCase(Locale.ROOT));
        if (!color) return word;
        String code = switch (s) {
            case FAIL -> "31";
            case WARN -> "33";
            case INFO -> "36";
            case PASS -> "32";
        };
        return "\u001b[" + code + "m" + word + "\u001b[0m";
    }

    static String markdown(Audit.Report r) {
        StringBuilder sb = new StringBuilder();
        sb.append("# kvmtune audit: ").append(r.profile()).append("\n\n");
        sb.append("- Profile: ").append(r.profileReason()).append('\n');
        sb.append("- Isolated CPUs: ").append(r.isolated().isEmpty() ? "none" : "`" + r.isolated() + "`").append(" (").append(r.isolatedSource()).append(")\n");
        sb.append("- ").append(summary(r)).append("\n\n");
        sb.append("| severity | area | check | expected | actual |\n|---|---|---|---|---|\n");
        for (Finding f : r.findings()) {
            sb.append("| ").append(f.severity().lower()).append(" | ").append(f.area()).append(" | ").append(md(f.title())).append(" `")
                    .append(f.id()).append("` | ").append(md(f.expected())).append(" | ").append(md(f.actual())).append(" |\n");
        }
        for (Finding f : r.findings()) {
            if (f.severity() == Severity.PASS) continue;
            sb.append("\n## ").append(f.title()).append(" (`").append(f.id()).append("`, ").append(f.severity().lower()).append(")\n\n");
            if (f.why() != null) sb.append(f.why()).append("\n\n");
            for (String e : f.evidence()) sb.append("- read: `").append(e).append("`\n");
            if (f.fix() != null && f.fix().runtime() != null) sb.append("- fix now: `").append(f.fix().runtime()).append("`\n");
            if (f.fix() != null && f.fix().persistent() != null) sb.append("- persist: ").append(f.fix().persistent()).append('\n');
            sb.append("- reboot needed: ").append(f.rebootNeeded() ? "yes" : "no").append('\n');
            if (f.reference() != null) sb.append("- see: ").append(f.reference()).append('\n');
        }
        return sb.toString();
    }

    private static String md(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }
}
