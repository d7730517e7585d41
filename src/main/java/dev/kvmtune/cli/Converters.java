package dev.kvmtune.cli;

import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option types shared by commands; a bad value is a usage error (exit 2) that names the option. */
final class Converters {
    private Converters() {
    }

    /** A duration; a bare number is seconds (30, 30s, 10m, 1h). */
    static final class Seconds implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return duration(value, "s");
        }
    }

    /** A duration; a bare number is microseconds (200, 200us, 1ms). */
    static final class Micros implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return duration(value, "us");
        }
    }

    /** A CPU list as the kernel writes it (0-3,8,10-11). */
    static final class Cpus implements ITypeConverter<CpuSet> {
        @Override
        public CpuSet convert(String value) {
            try {
                return CpuSet.parseList(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    private static Duration duration(String value, String bareUnit) {
        try {
            return Durations.parse(value, bareUnit);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
