package dev.kvmtune.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;

/**
 * What to tell a user about JSON or YAML kvmtune could not read: the parser's own words where they
 * speak of the input, and "a field is missing or null" where Jackson would otherwise pass on the
 * NullPointerException of a record that requires it ("Cannot invoke ... because coll is null").
 */
public final class JsonErrors {
    private JsonErrors() {
    }

    public static String describe(JsonProcessingException e) {
        if (e instanceof ValueInstantiationException v) {
            String type = v.getType() == null ? "an object" : v.getType().getRawClass().getSimpleName();
            return "a field of " + type + " is missing, null or of the wrong kind";
        }
        String m = e.getOriginalMessage();
        return m == null ? e.getClass().getSimpleName() : Printable.line(m);
    }
}
