package dev.kvmtune.rules.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One audit result, explained: what was checked (id, title), why it matters, what was read
 * (evidence: path = value), what was expected and found, how to fix it now and persistently,
 * whether that needs a reboot, and where the setting is documented.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Finding(
        String id,
        Severity severity,
        String area,
        String title,
        String why,
        List<String> evidence,
        String expected,
        String actual,
        Fix fix,
        boolean rebootNeeded,
        String reference) {

    /** How to fix: a command for now, and the change that survives a reboot. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Fix(String runtime, String persistent) {
    }

    public Finding withSeverity(Severity s) {
        return new Finding(id, s, area, title, why, evidence, expected, actual, fix, rebootNeeded, reference);
    }
}
