package dev.kvmtune.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.BadInputException;
import dev.kvmtune.settings.Applied;
import dev.kvmtune.settings.Keys;
import dev.kvmtune.settings.SettingKinds;
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
            // each kind refuses the keys it cannot hold; a kind this version does not know is reported by apply
            Applied kind = SettingKinds.APPLIED.get(s.kind());
            try {
                if (kind != null) kind.checkKey(s.key());
            } catch (IllegalArgumentException e) {
                throw BadInputException.at(source, 1, e.getMessage());
            }
        }
        for (String f : plan.files()) {
            if (f == null) throw BadInputException.at(source, 1, "a null entry in files");
            try {
                Keys.relative("file", f, "/");
            } catch (IllegalArgumentException e) {
                throw BadInputException.at(source, 1, e.getMessage());
            }
        }
        return plan;
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
