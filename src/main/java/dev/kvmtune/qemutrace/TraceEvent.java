package dev.kvmtune.qemutrace;

import java.util.List;
import java.util.Set;

/**
 * One event of a trace-events file: {@code [disable] name(type arg, ...) "format"}.
 *
 * @param line 1-based line in {@code file}
 */
public record TraceEvent(String name, Set<String> properties, List<Arg> args, String format, String file, int line) {
    /**
     * One argument; a {@code char *} argument ({@code isString}, told from the type as tracetool
     * does) is recorded as a length-prefixed string, anything else as 8 bytes.
     */
    public record Arg(String type, String name, boolean isString) {
        public Arg(String type, String name) {
            this(type, name, stringType(type));
        }

        private static boolean stringType(String type) {
            String t = type.stripLeading();
            return t.startsWith("const char*") || t.startsWith("char*") || t.startsWith("const char *") || t.startsWith("char *");
        }
    }

    /** The event simpletrace.py prints for a dropped-events record. */
    static final TraceEvent DROPPED = new TraceEvent("Dropped_Event", Set.of(),
            List.of(new Arg("uint64_t", "num_events_dropped")), "", "(built in)", 0);

    public TraceEvent {
        properties = Set.copyOf(properties);
        args = List.copyOf(args);
    }

    public boolean disabled() {
        return properties.contains("disable");
    }
}
