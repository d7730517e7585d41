package dev.kvmtune.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Requires;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kvmtune mem side by side with Debian's smem 1.5 on every process of this host. Live processes change
 * between two readers, so both read the same copy: the test copies each user process's smaps,
 * cmdline, stat and status into a tree, owned by the process's user as proc/PID is (smem takes the
 * user from the directory's owner), and smem reads it with {@code -S DIR} while kvmtune reads it with
 * {@code --root DIR}. Per process, per user, per mapping and for the whole system, every number must
 * be smem's.
 */
class SmemSideBySideTest {
    @TempDir
    static Path tmp;

    static Path tree;

    static String smem;

    @BeforeAll
    static void copyProc() throws Exception {
        Requires.root("the copy keeps each process's owner (chown)");
        smem = Requires.command("smem", "smem").toString();
        tree = tmp.resolve("host");
        Path proc = tree.resolve("proc");
        Files.createDirectories(proc);
        Files.createDirectories(tree.resolve("etc"));
        Files.copy(Path.of("/etc/passwd"), tree.resolve("etc/passwd"));
        Files.write(proc.resolve("meminfo"), Files.readAllBytes(Path.of("/proc/meminfo")));
        int copied = 0;
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : dirs.toList()) {
                String pid = d.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) continue;
                try {
                    byte[] cmdline = Files.readAllBytes(d.resolve("cmdline"));
                    if (cmdline.length == 0) continue;
                    byte[] smaps = Files.readAllBytes(d.resolve("smaps"));
                    byte[] stat = Files.readAllBytes(d.resolve("stat"));
                    byte[] status = Files.readAllBytes(d.resolve("status"));
                    Object uid = Files.getAttribute(d, "unix:uid");
                    Path to = proc.resolve(pid);
                    Files.createDirectories(to);
                    Files.write(to.resolve("cmdline"), cmdline);
                    Files.write(to.resolve("smaps"), smaps);
                    Files.write(to.resolve("stat"), stat);
                    Files.write(to.resolve("status"), status);
                    Files.setAttribute(to, "unix:uid", uid);
                    copied++;
                } catch (IOException gone) {
                    // the process exited while it was copied
                }
            }
        }
        assertThat(copied).isGreaterThan(3);
    }

    private static List<String[]> smem(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(smem, "-H", "-S", tree.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<String[]> rows = new ArrayList<>();
        for (String line : out.split("\n")) if (!line.isBlank()) rows.add(line.strip().split("\\s+"));
        return rows;
    }

    private static JsonNode kvmtune(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("--root", tree.toString(), "mem", "--format", "json"));
        cmd.addAll(List.of(args));
        Cli.Result r = Cli.run(cmd.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void everyProcessAsSmemCountsIt() throws Exception {
        Map<String, String> expected = new TreeMap<>();
        for (String[] f : smem("-c", "pid user swap uss pss rss vss maps")) {
            expected.put(f[0], String.join(" ", f));
        }
        Map<String, String> got = new TreeMap<>();
        for (JsonNode r : kvmtune("--columns", "maps").path("rows")) {
            got.put(r.path("pid").asText(), String.join(" ", r.path("pid").asText(), r.path("user").asText(), r.path("swapKb").asText(),
                    r.path("ussKb").asText(), r.path("pssKb").asText(), r.path("rssKb").asText(), r.path("vssKb").asText(), r.path("maps").asText()));
        }
        assertThat(expected).hasSizeGreaterThan(3);
        assertThat(got).isEqualTo(expected);
    }

    @Test
    void everyUserAsSmemCountsIt() throws Exception {
        Map<String, String> expected = new TreeMap<>();
        for (String[] f : smem("-u", "-c", "user count swap uss pss rss")) expected.put(f[0], String.join(" ", f));
        Map<String, String> got = new TreeMap<>();
        for (JsonNode r : kvmtune("--by", "user").path("rows")) {
            got.put(r.path("user").asText(), String.join(" ", r.path("user").asText(), r.path("count").asText(), r.path("swapKb").asText(),
                    r.path("ussKb").asText(), r.path("pssKb").asText(), r.path("rssKb").asText()));
        }
        assertThat(got).isEqualTo(expected);
    }

    @Test
    void everyMappingAsSmemCountsIt() throws Exception {
        // smem prints at most 40 characters of a mapping's name; the name goes last so that the split holds
        List<String> expected = new ArrayList<>();
        for (String[] f : smem("-m", "-c", "count pids swap uss rss pss vss avgpss avgrss map")) {
            expected.add(String.join(" ", f));
        }
        List<String> got = new ArrayList<>();
        for (JsonNode r : kvmtune("--by", "mapping").path("rows")) {
            String map = r.path("map").asText();
            got.add(String.join(" ", r.path("count").asText(), r.path("pids").asText(), r.path("swapKb").asText(), r.path("ussKb").asText(),
                    r.path("rssKb").asText(), r.path("pssKb").asText(), r.path("vssKb").asText(), r.path("avgpssKb").asText(),
                    r.path("avgrssKb").asText(), map.length() > 40 ? map.substring(0, 40) : map));
        }
        expected.sort(null);
        got.sort(null);
        assertThat(expected).hasSizeGreaterThan(10);
        assertThat(got).isEqualTo(expected);
    }

    @Test
    void theWholeSystemAsSmemDividesIt() throws Exception {
        Map<String, String> expected = new TreeMap<>();
        for (String[] f : smem("-w", "-c", "used cache noncache area")) {
            expected.put(String.join(" ", List.of(f).subList(3, f.length)), f[0] + " " + f[1] + " " + f[2]);
        }
        Map<String, String> got = new TreeMap<>();
        for (JsonNode r : kvmtune("--by", "system").path("rows")) {
            if (!r.has("usedKb")) continue;
            got.put(r.path("area").asText(), r.path("usedKb").asText() + " " + r.path("cacheKb").asText() + " " + r.path("noncacheKb").asText());
        }
        // smem prints 0 for the kernel image it was not given (-K); kvmtune leaves it absent without proc/iomem
        assertThat(expected.remove("kernel image")).isEqualTo("0 0 0");
        assertThat(got).isEqualTo(expected);
    }

    /**
     * capture --smemcap writes smemcap's layout. smem 1.5's own -S of a tar fails under Python 3 (it
     * matches str patterns against the bytes its tarfile gives), so smem reads the archive unpacked
     * under a proc/ directory, owners kept, while kvmtune reads the archive itself.
     */
    @Test
    void smemcapArchivesReadAsSmemReadsThem() throws Exception {
        Path tar = tmp.resolve("memorycapture.tar");
        Cli.Result c = Cli.run("--root", tree.toString(), "capture", "--smemcap", "-o", tar.toString());
        assertThat(c.exit()).as(c.err()).isZero();
        Path unpacked = tmp.resolve("unpacked");
        Files.createDirectories(unpacked.resolve("proc"));
        Process x = new ProcessBuilder("tar", "-xpf", tar.toString(), "--same-owner", "-C", unpacked.resolve("proc").toString())
                .redirectErrorStream(true).start();
        String xout = new String(x.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(x.waitFor(60, TimeUnit.SECONDS) && x.exitValue() == 0).as(xout).isTrue();
        Map<String, String> expected = new TreeMap<>();
        List<String> cmd = new ArrayList<>(List.of(smem, "-H", "-S", unpacked.toString(), "-c", "pid user swap uss pss rss vss maps"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 8) expected.put(f[0], String.join(" ", f));
        }
        Cli.Result r = Cli.run("mem", "--snapshot", tar.toString(), "--columns", "maps", "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, String> got = new TreeMap<>();
        for (JsonNode n : new ObjectMapper().readTree(r.out()).path("rows")) {
            got.put(n.path("pid").asText(), String.join(" ", n.path("pid").asText(), n.path("user").asText(), n.path("swapKb").asText(),
                    n.path("ussKb").asText(), n.path("pssKb").asText(), n.path("rssKb").asText(), n.path("vssKb").asText(), n.path("maps").asText()));
        }
        assertThat(expected).as(out).hasSizeGreaterThan(3);
        assertThat(got).isEqualTo(expected);
        // the mapping view of a kvmtune capture, which holds no full smaps, names the command that makes one
        Path snap = tmp.resolve("host.tar.gz");
        assertThat(Cli.run("capture", "-o", snap.toString()).exit()).isZero();
        Cli.Result m = Cli.run("mem", "--snapshot", snap.toString(), "--by", "mapping");
        assertThat(m.exit()).isEqualTo(2);
        assertThat(m.err()).contains("kvmtune capture --smemcap -o memorycapture.tar");
    }
}
