package dev.kvmtune.facts;

import dev.kvmtune.facts.snapshot.Capture;
import dev.kvmtune.facts.snapshot.SnapshotRoot;
import dev.kvmtune.facts.source.DirectoryRoot;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** Capture this machine, read the snapshot back: stable facts are equal to the live ones. */
class LiveRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void snapshotAnswersWhatLiveAnswered() throws IOException {
        DirectoryRoot live = DirectoryRoot.live();
        HostFacts before = HostFactsCollector.collect(live);
        Path file = tmp.resolve("host.tar.gz");
        Capture.Result res = Capture.capture(live, file, Capture.DEFAULT_MAX_BYTES, "test", Clock.systemUTC());
        assertThat(res.files()).isGreaterThan(20);
        try (SnapshotRoot snap = SnapshotRoot.open(file)) {
            HostFacts after = HostFactsCollector.collect(snap);
            assertThat(after.cpu()).isEqualTo(before.cpu());
            assertThat(after.kernel()).isEqualTo(before.kernel());
            assertThat(after.isolation()).isEqualTo(before.isolation());
            assertThat(after.power()).isEqualTo(before.power());
            assertThat(after.block()).isEqualTo(before.block());
            assertThat(after.tracing()).isEqualTo(before.tracing());
            assertThat(after.memory().thpEnabled()).isEqualTo(before.memory().thpEnabled());
            assertThat(after.memory().hugepages()).isEqualTo(before.memory().hugepages());
            assertThat(after.numa()).extracting(n -> n.id() + ":" + n.cpus() + ":" + n.memTotalKb() + ":" + n.distances())
                    .isEqualTo(before.numa().stream().map(n -> n.id() + ":" + n.cpus() + ":" + n.memTotalKb() + ":" + n.distances()).toList());
            assertThat(after.interrupts().affinity()).extracting(a -> a.irq())
                    .containsAll(before.interrupts().affinity().stream().map(a -> a.irq()).toList());
            assertThat(after.interrupts().table().cpus()).isEqualTo(before.interrupts().table().cpus());
            assertThat(after.sysctls().keySet()).isEqualTo(before.sysctls().keySet());
            assertThat(snap.metadata().uname()).containsKey("release");
        }
    }
}
