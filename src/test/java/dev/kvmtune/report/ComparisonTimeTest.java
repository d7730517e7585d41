package dev.kvmtune.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which applies fall between two measure runs: their times compared as instants. */
class ComparisonTimeTest {
    @Test
    void aRunStartedAtAWholeMinuteStillSeesTheApplyAfterIt() {
        // written by a measure run before its seconds were always kept, and by apply's journal
        assertThat(Comparison.earlier("2026-12-02T21:45:07.123456Z", "2026-12-02T21:45Z")).isFalse();
        assertThat(Comparison.earlier("2026-12-02T21:45:07.123456Z", "2026-12-02T21:45:00Z")).isFalse();
        assertThat(Comparison.earlier("2026-12-02T21:44:59.9Z", "2026-12-02T21:45Z")).isTrue();
    }

    @Test
    void comparesInstantsAcrossOffsets() {
        assertThat(Comparison.earlier("2026-12-02T22:00:00+01:00", "2026-12-02T21:30:00Z")).isTrue();
        assertThat(Comparison.earlier("2026-12-02T21:30:01Z", "2026-12-02T22:30:00+01:00")).isFalse();
    }

    @Test
    void anAbsentOrUnreadableTimeIsNotKnownToBeEarlier() {
        assertThat(Comparison.earlier(null, "2026-12-02T21:45:00Z")).isFalse();
        assertThat(Comparison.earlier("2026-12-02T21:00:00Z", null)).isFalse();
        assertThat(Comparison.earlier("yesterday", "2026-12-02T21:45:00Z")).isFalse();
    }
}
