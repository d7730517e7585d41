package dev.kvmtune.util;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NumbersTest {
    @Test
    void parsesOrGivesEmpty() {
        assertThat(Numbers.parseLong(" 42\n").getAsLong()).isEqualTo(42);
        assertThat(Numbers.parseLong("-1").getAsLong()).isEqualTo(-1);
        assertThat(Numbers.parseLong("4x")).isEmpty();
        assertThat(Numbers.parseLong("")).isEmpty();
        assertThat(Numbers.parseLong("99999999999999999999")).isEmpty();
        assertThat(Numbers.parseLong(null)).isEmpty();
        assertThat(Numbers.parseLong("abc", 7)).isEqualTo(7);
    }

    @Test
    void parsesSizesAsTheKernelPrintsThem() {
        assertThat(Numbers.parseSize("32K").getAsLong()).isEqualTo(32 * 1024);
        assertThat(Numbers.parseSize("1024 kB").getAsLong()).isEqualTo(1024 * 1024);
        assertThat(Numbers.parseSize("36608K").getAsLong()).isEqualTo(36608L * 1024);
        assertThat(Numbers.parseSize("2M").getAsLong()).isEqualTo(2L << 20);
        assertThat(Numbers.parseSize("12").getAsLong()).isEqualTo(12);
        assertThat(Numbers.parseSize("big")).isEmpty();
    }

    @Test
    void parsesHex() {
        assertThat(Numbers.parseHex("0x6e0").getAsLong()).isEqualTo(0x6e0);
        assertThat(Numbers.parseHex("ff").getAsLong()).isEqualTo(255);
        assertThat(Numbers.parseHex("g")).isEmpty();
    }
}
