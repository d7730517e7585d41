package dev.kvmtune.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.BadInputException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Reads {@code plan.json} back into a {@link Plan}: the schema must match, and errors name the line. */
public final class PlanFile {
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private PlanFile() {
    }

    public static Plan parse(String text, String source) {
        Plan plan;
        try {
            plan = JSON.readValue(text, Plan.class);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 1 : Math.max(1, e.getLocation().getLineNr());
            throw BadInputException.at(source, line, "not a kvmtune plan: " + dev.kvmtune.util.JsonErrors.describe(e));
        }
        if (plan == null) throw BadInputException.at(source, 1, "empty plan");
        if (plan.schema() != Plan.SCHEMA) {
            throw BadInputException.at(source, 1, "plan schema " + plan.schema() + "; this kvmtune reads schema " + Plan.SCHEMA + " (plan it again)");
        }
        if (plan.host() == null || plan.partition() == null) throw BadInputException.at(source, 1, "plan without host or partition");
        for (PlannedSetting s : plan.settings()) {
            if (s == null || s.kind() == null || s.key() == null || s.value() == null) {
                throw BadInputException.at(source, 1, "a setting without kind, key or value");
            }
            switch (s.kind()) {
                case "sysfs" -> {
                    if (!s.key().startsWith("sys/")) throw BadInputException.at(source, 1, "sysfs setting '" + s.key() + "' is not under sys/");
                    checkRelative(source, "sysfs setting", s.key(), "/");
                }
                case "sysctl" -> checkRelative(source, "sysctl", s.key(), "[./]");
                case "module-param" -> {
                    if (!s.key().matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_]+")) {
                        throw BadInputException.at(source, 1, "module parameter '" + s.key() + "' is not MODULE.PARAMETER");
                    }
                }
                default -> {
                }
            }
        }
        for (String f : plan.files()) {
            if (f == null) throw BadInputException.at(source, 1, "a null entry in files");
            checkRelative(source, "file", f, "/");
        }
        return plan;
    }

    /**
     * A path (or dotted sysctl name) from the plan stays where it belongs: relative, no empty, "." or
     * ".." part, no control characters. A hand-edited or hostile plan is refused here, before apply
     * resolves anything against the host.
     */
    private static void checkRelative(String source, String what, String path, String separators) {
        boolean bad = path.isEmpty() || path.startsWith("/") || path.indexOf('\\') >= 0 || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
        for (String part : path.split(separators, -1)) bad |= part.isEmpty() || part.equals(".") || part.equals("..");
        if (bad) throw BadInputException.at(source, 1, what + " '" + path + "' is not a plain relative path");
    }

    /** sha256 of the plan file's bytes, hex: journals name the plan they applied by it. */
    public static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
