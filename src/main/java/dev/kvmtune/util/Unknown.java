package dev.kvmtune.util;

/**
 * The Jackson value filter for numbers whose reader returns -1 for "not in this tree": such a value
 * is left out of the JSON (absent), never written as -1. Use as
 * {@code @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Unknown.class)}.
 */
public final class Unknown {
    /** Jackson calls this with the value: true means leave the property out. */
    @Override
    public boolean equals(Object value) {
        return value instanceof Number n && n.longValue() == -1;
    }

    @Override
    public int hashCode() {
        return 0;
    }
}
