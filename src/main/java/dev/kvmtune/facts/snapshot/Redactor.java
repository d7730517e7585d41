package dev.kvmtune.facts.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Removes secrets from a process command line before it leaves the host in a snapshot. QEMU
 * takes secrets inline as {@code -object secret,id=x,data=...}, and passwords as
 * {@code password=...}-style suboptions (VNC, SPICE, iSCSI, RBD, curl); other programs as
 * {@code --password=...} or {@code --password VALUE}. The value is replaced, the key kept, so the
 * rest of the command line still parses.
 */
public final class Redactor {
    public static final String REDACTED = "<redacted>";
    private static final Set<String> SECRET_KEYS = Set.of(
            "password", "passwd", "pass", "secret", "token", "key-secret-data", "password-data");

    private static final java.util.regex.Pattern JSON_SECRET_OBJECT =
            java.util.regex.Pattern.compile("\"qom-type\"\\s*:\\s*\"secret\"");
    private static final java.util.regex.Pattern JSON_SECRET =
            java.util.regex.Pattern.compile("\"(password|passwd|secret|token)\"\\s*:\\s*\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final java.util.regex.Pattern JSON_SECRET_OR_DATA =
            java.util.regex.Pattern.compile("\"(password|passwd|secret|token|data)\"\\s*:\\s*\"(?:[^\"\\\\]|\\\\.)*\"");

    private Redactor() {
    }

    /** Result: the new argument list and which arguments were changed, and how. */
    public record Result(List<String> args, List<Change> changes) {
    }

    public record Change(int argument, String what) {
    }

    /**
     * A {@code proc/PID/cmdline} file's bytes (NUL-separated arguments, usually NUL-terminated) with
     * its secrets redacted; each change is handed to {@code changed}. Unchanged content is returned as is.
     */
    public static byte[] redactCmdline(byte[] content, java.util.function.Consumer<Change> changed) {
        String s = new String(content, java.nio.charset.StandardCharsets.UTF_8);
        boolean trailingNul = s.endsWith("\0");
        List<String> args = List.of((trailingNul ? s.substring(0, s.length() - 1) : s).split("\0", -1));
        Result r = redact(args);
        if (r.changes().isEmpty()) return content;
        r.changes().forEach(changed);
        return (String.join("\0", r.args()) + (trailingNul ? "\0" : "")).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static Result redact(List<String> args) {
        List<String> out = new ArrayList<>(args.size());
        List<Change> changes = new ArrayList<>();
        boolean nextIsSecret = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (nextIsSecret) {
                out.add(REDACTED);
                changes.add(new Change(i, "value of " + args.get(i - 1)));
                nextIsSecret = false;
                continue;
            }
            String lower = a.toLowerCase(Locale.ROOT);
            if (lower.startsWith("--") && SECRET_KEYS.contains(lower.substring(2))) {
                out.add(a);
                nextIsSecret = true;
                continue;
            }
            if (lower.startsWith("--") && lower.indexOf('=') > 2 && SECRET_KEYS.contains(lower.substring(2, lower.indexOf('=')))) {
                out.add(a.substring(0, a.indexOf('=') + 1) + REDACTED);
                changes.add(new Change(i, a.substring(0, a.indexOf('='))));
                continue;
            }
            if (a.startsWith("{")) {
                // JSON form of -object / -blockdev, as libvirt writes it
                boolean secretObject = JSON_SECRET_OBJECT.matcher(a).find();
                var m = (secretObject ? JSON_SECRET_OR_DATA : JSON_SECRET).matcher(a);
                StringBuilder sb = new StringBuilder();
                boolean changed = false;
                while (m.find()) {
                    changes.add(new Change(i, m.group(1).equals("data") ? "secret object data" : m.group(1)));
                    m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement("\"" + m.group(1) + "\":\"" + REDACTED + "\""));
                    changed = true;
                }
                m.appendTail(sb);
                out.add(changed ? sb.toString() : a);
                continue;
            }
            String[] sub = a.split(",", -1);
            boolean secretObject = sub.length > 0 && (sub[0].equals("secret") || sub[0].equals("qom-type=secret"));
            boolean changed = false;
            for (int k = 0; k < sub.length; k++) {
                int eq = sub[k].indexOf('=');
                if (eq <= 0) continue;
                String key = sub[k].substring(0, eq).toLowerCase(Locale.ROOT);
                String value = sub[k].substring(eq + 1);
                // password=on is QEMU's switch that a password is set, not the password
                boolean flag = Set.of("on", "off", "yes", "no", "true", "false").contains(value);
                if (!flag && (SECRET_KEYS.contains(key) || (secretObject && key.equals("data")))) {
                    sub[k] = sub[k].substring(0, eq + 1) + REDACTED;
                    changes.add(new Change(i, secretObject && key.equals("data") ? "secret object data" : key));
                    changed = true;
                }
            }
            out.add(changed ? String.join(",", sub) : a);
        }
        return new Result(out, changes);
    }
}
