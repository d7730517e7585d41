package dev.kvmtune.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Journal order: what rollback without a journal picks as the newest. */
class JournalStoreTest {
    @TempDir
    Path dir;

    @Test
    void twoAppliesInOneSecondSortInTheOrderTheyWereMade() throws Exception {
        JournalStore store = new JournalStore(dir);
        java.time.Instant t = java.time.Instant.parse("2026-12-02T00:55:06Z");
        Path first = store.create(t, "d5d29bdc00").file();
        Path second = store.create(t, "d5d29bdc00").file();
        Path tenth = null;
        for (int i = 3; i <= 10; i++) tenth = store.create(t, "d5d29bdc00").file();
        Path older = store.create(java.time.Instant.parse("2026-12-01T23:00:00Z"), "ffffffff00").file();
        assertThat(second.getFileName().toString()).isEqualTo("apply-20261202T005506Z-d5d29bdc-2.jsonl");
        List<Path> all = store.journals();
        assertThat(all.get(0)).isEqualTo(older);
        assertThat(all.get(1)).isEqualTo(first);
        assertThat(all.get(2)).isEqualTo(second);
        assertThat(all.get(all.size() - 1)).isEqualTo(tenth);
        assertThat(Files.exists(tenth)).isTrue();
    }
}
