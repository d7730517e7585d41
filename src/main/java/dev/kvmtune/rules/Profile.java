package dev.kvmtune.rules;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.rules.core.SettingSpec;
import java.util.List;

/**
 * A tuning profile: data, not code. {@code settings} are desired values by setting kind;
 * {@code rules} names the cross-layer rule ids the profile turns on; {@code extends} names a
 * built-in profile whose settings and rules come first (a later setting with the same kind and key
 * replaces the earlier one).
 *
 * @param isolation "required" when the profile needs an isolated CPU set (realtime profiles)
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Profile(
        String name,
        String description,
        String target,
        String isolation,
        @com.fasterxml.jackson.annotation.JsonProperty("extends") String parent,
        List<SettingSpec> settings,
        List<String> rules) {

    public boolean needsIsolation() {
        return "required".equals(isolation);
    }
}
