package dev.kvmtune.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import dev.kvmtune.testing.Requires;
import dev.kvmtune.testing.TreeManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The playbooks in ansible/ run by the real ansible-playbook (Debian's ansible-core) against an
 * inventory of hosts on this machine: local connections, each host a tree captured from a real
 * machine (--root), so that they differ as real hosts do. ansible-lint passes them; a second run
 * of a playbook that changes hosts changes nothing.
 */
class AnsiblePlaybooksTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path PLAYBOOKS = Path.of("ansible/playbooks").toAbsolutePath();

    @TempDir
    Path tmp;

    record Run(int exit, String out, Map<String, int[]> recap) {
        int changed(String host) {
            return recap.get(host)[1];
        }

        int failed(String host) {
            return recap.get(host)[2];
        }
    }

    @Test
    void theFleetIsFactedAuditedComparedPlannedAndAppliedOnce() throws Exception {
        Requires.command("ansible-playbook", "ansible-core");
        Requires.command("python3", "python3");
        Path amd = TreeManifest.extract("firecracker-amd-2cpu", tmp.resolve("hosts/fc-amd"));
        Path numa = TreeManifest.extract("qemu-2socket-4node", tmp.resolve("hosts/q2s"));
        Path fleet = tmp.resolve("fleet");
        Path inventory = inventory(Map.of("fc-amd", amd, "q2s", numa), fleet);

        // facts: ansible_local.kvmtune holds each host's own audit summary, the same as kvmtune audit of its tree
        Run facts = play(inventory, "facts.yml");
        assertThat(facts.exit()).as(facts.out()).isZero();
        for (var h : Map.of("fc-amd", amd, "q2s", numa).entrySet()) {
            String profile = h.getKey().equals("fc-amd") ? "virtual-host" : "auto";
            JsonNode audit = JSON.readTree(Cli.run("--root", h.getValue().toString(), "--format", "json", "audit", "--profile", profile).out());
            Path fact = tmp.resolve("facts-" + h.getKey() + "/kvmtune.fact");
            Process p = new ProcessBuilder(fact.toString()).redirectErrorStream(true).start();
            JsonNode local = JSON.readTree(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).isZero();
            assertThat(local.path("audit").path("profile").asText()).isEqualTo(audit.path("profile").asText());
            int warn = 0;
            for (JsonNode f : audit.path("findings")) if (f.path("severity").asText().equals("warn")) warn++;
            assertThat(local.path("audit").path("findings").path("warn").asInt(0)).as(h.getKey()).isEqualTo(warn);
            assertThat(facts.out()).contains(h.getKey() + ": kernel " + local.path("kernel").asText());
        }
        assertThat(play(inventory, "facts.yml").changed("q2s")).as("facts, second run").isZero();

        // audit with warn as the threshold: the host whose audit warns fails, the other passes
        Run audit = play(inventory, "audit.yml", "-e", "kvmtune_fail_on=warn");
        assertThat(audit.failed("q2s")).as(audit.out()).isEqualTo(1);
        assertThat(audit.failed("fc-amd")).as(audit.out()).isZero();
        assertThat(audit.out()).contains("findings at or above warn (profile virtual-host): memory.hugepages.per_node.1G");
        assertThat(audit.changed("q2s") + audit.changed("fc-amd")).isZero();

        // capture: each host's snapshot on the controller, readable by kvmtune
        Run capture = play(inventory, "capture.yml");
        assertThat(capture.exit()).as(capture.out()).isZero();
        for (String h : List.of("fc-amd", "q2s")) {
            Cli.Result f = Cli.run("--snapshot", fleet.resolve("snapshots/" + h + ".tar.gz").toString(), "--format", "json", "facts");
            assertThat(f.exit()).as(f.err()).isZero();
        }

        // the fleet view: one report --compare of every host's bundle
        Run view = play(inventory, "fleet.yml");
        assertThat(view.exit()).as(view.out()).isZero();
        JsonNode report = JSON.readTree(fleet.resolve("fleet.json").toFile());
        assertThat(report.path("kind").asText()).isEqualTo("compare");
        assertThat(report.path("bundles").findValuesAsText("label")).containsExactly("fc-amd", "q2s");
        JsonNode row = report.path("audit").path("byHost").get(0);
        assertThat(row.path("id").asText()).isEqualTo("memory.hugepages.per_node.1G");
        assertThat(row.path("severities").get(1).asText()).isEqualTo("warn");
        assertThat(Files.readString(fleet.resolve("fleet.html"))).contains("Rules failing or warning on a host");
        assertThat(view.out()).contains("fleet audit: fc-amd 0 failing, 0 warning; q2s 0 failing, 1 warning");

        // kernel_settings variables from each host's plan
        Run ks = play(inventory, "kernel_settings.yml");
        assertThat(ks.exit()).as(ks.out()).isZero();
        String vars = Files.readString(fleet.resolve("host_vars/q2s/kernel_settings.yml"));
        assertThat(vars).contains("kernel_settings_sysctl:\n  - name: \"vm.dirty_background_ratio\"\n    value: \"5\"")
                .contains("kernel_settings_sysfs:\n  - name: \"/sys/kernel/mm/transparent_hugepage/enabled\"\n    value: \"never\"");
        assertThat(play(inventory, "kernel_settings.yml").changed("q2s")).as("kernel_settings, second run").isZero();

        // apply: a dry run changes nothing; with kvmtune_apply=true the trees change; a second run changes nothing
        Map<String, String> before = TreeManifest.of(numa);
        Run dry = play(inventory, "apply.yml");
        assertThat(dry.exit()).as(dry.out()).isZero();
        assertThat(TreeManifest.of(numa)).isEqualTo(before);
        Run applied = play(inventory, "apply.yml", "-e", "kvmtune_apply=true");
        assertThat(applied.exit()).as(applied.out()).isZero();
        assertThat(applied.changed("q2s")).isEqualTo(1);
        assertThat(applied.changed("fc-amd")).isEqualTo(1);
        assertThat(proc(numa.resolve("proc/sys/vm/swappiness"))).isEqualTo("10");
        Run again = play(inventory, "apply.yml", "-e", "kvmtune_apply=true");
        assertThat(again.exit()).as(again.out()).isZero();
        assertThat(again.changed("q2s") + again.changed("fc-amd")).as("apply, second run:\n" + again.out()).isZero();
    }

    @Test
    void aHostWhoseApplyFailsIsRolledBackAndStopped() throws Exception {
        Requires.command("ansible-playbook", "ansible-core");
        Path broken = TreeManifest.extract("qemu-2socket-4node", tmp.resolve("hosts/broken"));
        // a sysctl the plan sets is a directory on this host: the apply fails at that step
        Files.delete(broken.resolve("proc/sys/vm/swappiness"));
        Files.createDirectory(broken.resolve("proc/sys/vm/swappiness"));
        Map<String, String> before = TreeManifest.of(broken);
        Run r = play(inventory(Map.of("broken", broken), tmp.resolve("fleet")), "apply.yml", "-e", "kvmtune_apply=true");
        assertThat(r.exit()).isNotZero();
        assertThat(r.failed("broken")).isEqualTo(1);
        assertThat(r.recap().get("broken")[3]).as("rescued").isEqualTo(1);
        assertThat(r.out()).contains("kvmtune apply failed").contains("rollback said:");
        // the tree is as it was, but for the journal that records the apply and its rollback
        List<String> diff = TreeManifest.diff(before, TreeManifest.of(broken));
        assertThat(diff).allMatch(d -> d.startsWith("var/"), "only the journal directory and its parents: " + diff)
                .anyMatch(d -> d.startsWith("var/lib/kvmtune/apply-"));
    }

    @Test
    void ansibleLintPassesThePlaybooks() throws Exception {
        Requires.command("ansible-lint", "ansible-lint");
        Process p = new ProcessBuilder("ansible-lint", "--offline", "--nocolor", "-p", "playbooks/").directory(PLAYBOOKS.getParent().toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as(out).contains("0 failure(s), 0 warning(s)");
    }

    /** Hosts by name with their trees; kvmtune as a script that runs this build's classes. */
    private Path inventory(Map<String, Path> hosts, Path fleet) throws IOException {
        Path bin = tmp.resolve("kvmtune");
        Files.writeString(bin, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -cp '"
                + System.getProperty("java.class.path") + "' dev.kvmtune.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        StringBuilder y = new StringBuilder("all:\n  vars:\n    ansible_connection: local\n    ansible_python_interpreter: /usr/bin/python3\n")
                .append("    kvmtune_bin: ").append(bin).append("\n    kvmtune_fleet_dir: ").append(fleet).append("\n  hosts:\n");
        for (var h : new java.util.TreeMap<>(hosts).entrySet()) {
            y.append("    ").append(h.getKey()).append(":\n      kvmtune_root: ").append(h.getValue())
                    .append("\n      kvmtune_facts_dir: ").append(tmp.resolve("facts-" + h.getKey()))
                    .append(h.getKey().equals("fc-amd") ? "\n      kvmtune_profile: virtual-host\n      kvmtune_vms: [\"name=vm1,vcpus=1,memory=256M\"]\n"
                            : "\n      kvmtune_vms: [\"name=rt1,vcpus=1,memory=512M,rt,hugepages=2M\"]\n");
        }
        Path inv = tmp.resolve("inventory.yml");
        Files.writeString(inv, y.toString());
        return inv;
    }

    private Run play(Path inventory, String playbook, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ansible-playbook", "-i", inventory.toString(), PLAYBOOKS.resolve(playbook).toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ANSIBLE_NOCOLOR", "1");
        pb.environment().put("ANSIBLE_LOCAL_TEMP", tmp.resolve("ansible-tmp").toString());
        pb.environment().put("ANSIBLE_RETRY_FILES_ENABLED", "0");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(600, TimeUnit.SECONDS)).isTrue();
        Map<String, int[]> recap = new java.util.HashMap<>();
        Matcher m = Pattern.compile("(?m)^(\\S+)\\s+: ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=\\d+\\s+failed=(\\d+)\\s+skipped=\\d+\\s+rescued=(\\d+)").matcher(out);
        while (m.find()) {
            recap.put(m.group(1), new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)),
                    Integer.parseInt(m.group(5))});
        }
        assertThat(recap).as("a PLAY RECAP in\n" + out).isNotEmpty();
        return new Run(p.exitValue(), out, recap);
    }

    private static String proc(Path p) throws IOException {
        return Files.readString(p).strip();
    }
}
