package dev.kvmtune.qemutrace;

import dev.kvmtune.BadInputException;
import dev.kvmtune.util.SmallFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads trace-events files ({@code trace-events-all} of a QEMU build, or a subsystem's
 * {@code trace-events}) the way QEMU's tracetool does: blank lines and {@code #} comments skipped,
 * each other line {@code [props] name(args) ["format"]}. Several files are concatenated in order,
 * as the build does to make trace-events-all.
 */
public final class TraceEventsFile {
    /** tracetool's event grammar, matched from the start of the line. */
    private static final Pattern EVENT = Pattern.compile(
            "((?<props>[\\w\\s]+)\\s+)?(?<name>\\w+)\\((?<args>[^)]*)\\)\\s*(?:(?:(?<fmttrans>\".+),)?\\s*(?<fmt>\".+))?\\s*",
            Pattern.UNIX_LINES | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Set<String> PROPERTIES = Set.of("disable", "vcpu");
    private static final int MAX_ARGS = 10;

    private TraceEventsFile() {
    }

    public static List<TraceEvent> read(List<Path> files) {
        List<TraceEvent> all = new ArrayList<>();
        for (Path f : files) all.addAll(read(f));
        return all;
    }

    public static List<TraceEvent> read(Path file) {
        byte[] bytes = SmallFiles.read(file, SmallFiles.TRACE_EVENTS, "a trace-events file");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException(file + ": not a trace-events file (not UTF-8 text)");
        }
        return parse(text, file.toString());
    }

    /** Parses trace-events text; {@code name} is used in messages. */
    public static List<TraceEvent> parse(String text, String name) {
        List<TraceEvent> events = new ArrayList<>();
        int lineNo = 0;
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            lineNo++;
            String line = text.substring(start, end);
            start = end + 1;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) continue;
            events.add(event(line, name, lineNo));
        }
        if (events.isEmpty()) throw new BadInputException(name + ": no trace events defined (expected lines like name(int arg) \"fmt %d\")");
        return events;
    }

    private static TraceEvent event(String line, String file, int lineNo) {
        if (line.indexOf('\0') >= 0) throw BadInputException.at(file, lineNo, "not a trace event (binary data)");
        Matcher m = EVENT.matcher(line);
        if (!m.lookingAt()) throw BadInputException.at(file, lineNo, "not a trace event: expected name(args) \"format\", found '" + clip(line) + "'");
        Set<String> props = new LinkedHashSet<>();
        String p = m.group("props");
        if (p != null) for (String s : p.strip().split("\\s+")) if (!s.isEmpty()) props.add(s);
        for (String s : props) {
            if (!PROPERTIES.contains(s)) throw BadInputException.at(file, lineNo, "unknown event property '" + s + "' (known: disable, vcpu)");
        }
        List<TraceEvent.Arg> args = args(m.group("args"), file, lineNo);
        if (args.size() > MAX_ARGS) throw BadInputException.at(file, lineNo, "event " + m.group("name") + " has " + args.size() + " arguments (at most " + MAX_ARGS + ")");
        String fmt = m.group("fmt") == null ? "" : m.group("fmt");
        return new TraceEvent(m.group("name"), props, args, fmt, file, lineNo);
    }

    private static List<TraceEvent.Arg> args(String s, String file, int lineNo) {
        List<TraceEvent.Arg> args = new ArrayList<>();
        for (String raw : s.split(",", -1)) {
            String a = raw.strip();
            if (a.isEmpty()) throw BadInputException.at(file, lineNo, "empty argument (use 'void' for none)");
            if (a.equals("void")) continue;
            String type;
            String id;
            int star = a.lastIndexOf('*');
            if (star >= 0) {
                type = a.substring(0, star + 1);
                id = a.substring(star + 1).strip();
            } else {
                int sp = lastWhitespace(a);
                if (sp < 0) throw BadInputException.at(file, lineNo, "argument '" + a + "' has a type but no name");
                type = a.substring(0, sp).strip();
                id = a.substring(sp + 1);
            }
            args.add(new TraceEvent.Arg(type, id));
        }
        return args;
    }

    private static int lastWhitespace(String a) {
        for (int i = a.length() - 1; i >= 0; i--) if (Character.isWhitespace(a.charAt(i))) return i;
        return -1;
    }

    private static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
