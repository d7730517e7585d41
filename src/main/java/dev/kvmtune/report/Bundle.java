package dev.kvmtune.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.BadInputException;
import dev.kvmtune.latency.CyclictestParser;
import dev.kvmtune.latency.CyclictestRun;
import dev.kvmtune.util.SmallFiles;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A measurement bundle read back. Only the manifest is required: every other part may be missing
 * (skipped, failed, stopped by Ctrl-C, or never recorded by an older kvmtune), and then
 * {@link #missing} says why. A part that is there but damaged (not JSON, cut short, over its size
 * limit) is a bad-input error naming the file and line: a report built on half a file would
 * mislead.
 */
public final class Bundle {
    /** The most any one JSON part may hold: a bundle's parts are summaries, not raw traces. */
    public static final long PART_LIMIT = 64L << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final java.util.regex.Pattern SAFE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,200}");

    private final Path dir;
    private final String label;
    private final Manifest manifest;
    private final Map<String, Optional<JsonNode>> parts = new java.util.HashMap<>();

    private Bundle(Path dir, String label, Manifest manifest) {
        this.dir = dir;
        this.label = label;
        this.manifest = manifest;
    }

    /** Opens a bundle directory: its manifest must be there and read as one. */
    public static Bundle open(Path dir) {
        if (!Files.isDirectory(dir)) throw new BadInputException(dir + ": not a directory (a bundle is the directory 'kvmtune measure -o' made)");
        Path m = dir.resolve("manifest.json");
        if (!Files.exists(m, LinkOption.NOFOLLOW_LINKS)) {
            throw new BadInputException(dir + ": no manifest.json; not a bundle made by 'kvmtune measure -o " + dir + "'");
        }
        JsonNode node = json(m);
        if (!Manifest.FORMAT.equals(node.path("format").asText())) {
            throw new BadInputException(m + ": format is " + (node.has("format") ? "'" + node.path("format").asText() + "'" : "absent")
                    + ", not " + Manifest.FORMAT);
        }
        Manifest manifest;
        try {
            manifest = MAPPER.treeToValue(node, Manifest.class);
        } catch (JsonProcessingException e) {
            throw new BadInputException(m + ": not a measure manifest: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(m + ": not a measure manifest: " + e.getMessage());
        }
        if (manifest.steps() == null) throw new BadInputException(m + ": has no steps");
        for (Manifest.Step st : manifest.steps()) {
            if (st == null || st.part() == null || st.status() == null) throw new BadInputException(m + ": a step without a part or a status");
        }
        for (Manifest.VmRef v : manifest.vms() == null ? List.<Manifest.VmRef>of() : manifest.vms()) {
            // the name files are found by: never a path that leads out of the bundle
            if (v == null || v.fileName() == null || !SAFE_NAME.matcher(v.fileName()).matches()) {
                throw new BadInputException(m + ": a VM's file name " + (v == null ? "is absent" : "'" + v.fileName() + "' is not a plain file name"));
            }
        }
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new Bundle(dir, name == null ? dir.toString() : name.toString(), manifest);
    }

    public Path dir() {
        return dir;
    }

    /** The directory's name: a bundle's column heading. */
    public String label() {
        return label;
    }

    public Manifest manifest() {
        return manifest;
    }

    /** A JSON part, when the file is there; each is read once, however many sections use it. */
    public Optional<JsonNode> json(String file) {
        return parts.computeIfAbsent(file, f -> {
            Path p = dir.resolve(f);
            return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? Optional.of(json(p)) : Optional.empty();
        });
    }

    /** cyclictest's own text output of the latency part, parsed. */
    public Optional<CyclictestRun> latency() {
        Path p = dir.resolve("latency.txt");
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        return Optional.of(CyclictestParser.parse(SmallFiles.readText(p, SmallFiles.CYCLICTEST, "cyclictest output"), p.toString()));
    }

    /** A text part (perf sched latency's table). */
    public Optional<String> text(String file) {
        Path p = dir.resolve(file);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        return Optional.of(SmallFiles.readText(p, PART_LIMIT, file));
    }

    /** The path of a file part, when it is there (a flame graph, to be embedded as it is). */
    public Optional<Path> file(String file) {
        Path p = dir.resolve(file);
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Optional.of(p) : Optional.empty();
    }

    /**
     * Why a part (for a VM, or null) is not in the bundle: the manifest's reason when the step was
     * skipped, failed, or stopped; a note when the kvmtune that made it had no such part.
     */
    public String missing(String part, String vm) {
        for (Manifest.Step s : manifest.steps()) {
            if (!s.part().equals(part) || (vm != null && s.vm() != null && !vm.equals(s.vm()))) continue;
            String why = s.reason() == null ? "" : ": " + s.reason();
            return switch (s.status()) {
                case skipped -> "skipped" + why;
                case failed -> "failed" + why;
                case interrupted -> "stopped by Ctrl-C" + why;
                case not_run -> "not run" + why;
                case pending, running -> "not finished (the run ended before it)";
                case done -> "recorded, but its file is not in the bundle";
            };
        }
        return "not in this bundle (kvmtune " + manifest.version() + " did not record it)";
    }

    /** The VMs the run watched, by name, with the name their files carry. */
    public Map<String, String> vmFiles() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Manifest.VmRef v : manifest.vms() == null ? List.<Manifest.VmRef>of() : manifest.vms()) {
            out.put(v.name() == null ? "pid " + v.pid() : v.name(), v.fileName());
        }
        return out;
    }

    static JsonNode json(Path p) {
        byte[] bytes = SmallFiles.read(p, PART_LIMIT, "a bundle part");
        try {
            JsonNode n = MAPPER.readTree(bytes);
            if (n == null || n.isMissingNode()) throw new BadInputException(p + ": empty; the bundle is damaged");
            return n;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String at = loc == null ? "" : ":" + loc.getLineNr();
            String msg = e.getOriginalMessage();
            if (msg.length() > 120) msg = msg.substring(0, 120);
            throw new BadInputException(p + at + ": not valid JSON (" + msg.replaceAll("[\\p{Cntrl}]", "?")
                    + "); the bundle is damaged");
        } catch (java.io.IOException e) {
            throw BadInputException.reading(p, e);
        }
    }
}
