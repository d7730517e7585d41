package dev.kvmtune.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingTest {
    private static List<String> commands(String set) {
        return Training.runs(Path.of("."), set).stream().map(a -> String.join(" ", Arrays.asList(a))
                .replace(Path.of(".").resolve("src/test/resources").toString(), "R")).toList();
    }

    @Test
    void eachSetRunsItsOwnCommandsOnTheLiveHostAndOnAHostRunningAVm() {
        assertThat(commands("version")).containsExactly("--version");
        assertThat(commands("facts")).containsExactly("facts", "--snapshot R/roots/firecracker-amd-2cpu-libvirt-vm/snapshot.tar.gz facts");
        assertThat(commands("audit")).containsExactly("audit",
                "--snapshot R/roots/firecracker-amd-2cpu-libvirt-vm/snapshot.tar.gz audit --profile realtime-virtual-host");
        assertThat(commands("flame")).containsExactly("flame collapse R/flame/perf-system-cpu-clock.txt",
                "flame svg R/flame/perf-system-cpu-clock.txt");
    }

    @Test
    void theSetOfAllRunsEveryOtherSetsCommandsAndASnapshotsToo() {
        List<String> all = commands("all");
        for (String set : List.of("version", "facts", "audit", "flame")) assertThat(all).containsAll(commands(set));
        assertThat(all).anyMatch(c -> c.startsWith("--snapshot ") && c.endsWith(" facts"))
                .anyMatch(c -> c.contains("--format json audit"));
    }

    @Test
    void anUnknownSetIsRefusedByName() {
        assertThatThrownBy(() -> Training.runs(Path.of("."), "plan")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no such training set: plan");
    }
}
