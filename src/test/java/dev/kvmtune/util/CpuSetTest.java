package dev.kvmtune.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class CpuSetTest {

    @Test
    void parsesListsWithRangesAndSingles() {
        assertThat(CpuSet.parseList("0-3,8-11").toArray()).containsExactly(0, 1, 2, 3, 8, 9, 10, 11);
        assertThat(CpuSet.parseList(" 5 ").toArray()).containsExactly(5);
        assertThat(CpuSet.parseList("").isEmpty()).isTrue();
        assertThat(CpuSet.parseList("\n").isEmpty()).isTrue();
    }

    @Test
    void parsesStrideAndLastCpuForms() {
        // kernel-parameters.rst: "0-15:2/4" uses 2 CPUs out of each group of 4
        assertThat(CpuSet.parseList("0-15:2/4").toList()).isEqualTo("0-1,4-5,8-9,12-13");
        assertThat(CpuSet.parseList("2-N", 7).toList()).isEqualTo("2-7");
        assertThat(CpuSet.parseList("all", 3).toList()).isEqualTo("0-3");
    }

    @Test
    void rejectsMalformedLists() {
        assertThatThrownBy(() -> CpuSet.parseList("3-1")).hasMessageContaining("descending");
        assertThatThrownBy(() -> CpuSet.parseList("1,,2")).hasMessageContaining("empty element");
        assertThatThrownBy(() -> CpuSet.parseList("a-b")).hasMessageContaining("bad CPU number");
        assertThatThrownBy(() -> CpuSet.parseList("N")).hasMessageContaining("bad CPU number");
        assertThatThrownBy(() -> CpuSet.parseList("0-7:5/4")).hasMessageContaining("stride");
    }

    @Test
    void parsesMasksInThirtyTwoBitWords() {
        assertThat(CpuSet.parseMask("ff").toList()).isEqualTo("0-7");
        assertThat(CpuSet.parseMask("ff,00000000").toList()).isEqualTo("32-39");
        assertThat(CpuSet.parseMask("00000001,00000003").toList()).isEqualTo("0-1,32");
        assertThat(CpuSet.parseMask("3").toList()).isEqualTo("0-1");
        assertThatThrownBy(() -> CpuSet.parseMask("xyz")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CpuSet.parseMask("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void printsMasksLikeTheKernel() {
        assertThat(CpuSet.parseList("0-1").toMask(2)).isEqualTo("3");
        assertThat(CpuSet.parseList("0-3").toMask(8)).isEqualTo("0f");
        assertThat(CpuSet.parseList("32").toMask(40)).isEqualTo("01,00000000");
    }

    @Test
    void setAlgebra() {
        CpuSet a = CpuSet.parseList("0-5");
        CpuSet b = CpuSet.parseList("4-7");
        assertThat(a.intersect(b).toList()).isEqualTo("4-5");
        assertThat(a.minus(b).toList()).isEqualTo("0-3");
        assertThat(a.union(b).toList()).isEqualTo("0-7");
        assertThat(a.containsAll(CpuSet.of(1, 2))).isTrue();
        assertThat(a.intersects(CpuSet.of(9))).isFalse();
        assertThat(CpuSet.EMPTY.last()).isEqualTo(-1);
    }

    @Property
    void listRoundTrips(@ForAll @Size(max = 40) Set<@IntRange(min = 0, max = 300) Integer> cpus) {
        CpuSet s = CpuSet.of(cpus.stream().mapToInt(Integer::intValue).toArray());
        assertThat((Object) CpuSet.parseList(s.toList())).isEqualTo(s);
    }

    @Property
    void maskRoundTrips(@ForAll @Size(max = 40) Set<@IntRange(min = 0, max = 300) Integer> cpus,
                        @ForAll @IntRange(min = 1, max = 400) int cpuCount) {
        CpuSet s = CpuSet.of(cpus.stream().mapToInt(Integer::intValue).toArray());
        assertThat((Object) CpuSet.parseMask(s.toMask(cpuCount))).isEqualTo(s);
    }

    @Property
    void parseListNeverThrowsAnythingButIllegalArgument(@ForAll String text) {
        try {
            CpuSet.parseList(text);
        } catch (IllegalArgumentException expected) {
            // a clear rejection is the only allowed failure
        }
        try {
            CpuSet.parseMask(text);
        } catch (IllegalArgumentException expected) {
            // likewise
        }
    }
}
