package dev.kvmtune.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.opentest4j.TestAbortedException;

/**
 * What a live test needs from the machine, asked in one place.
 *
 * <p>The real components (QEMU, qemu-img, cyclictest, perf, virt-xml-validate, tuned, chromium) are
 * Debian packages that {@code ./test} installs. Where one is missing the test is skipped with the
 * package to install, except under {@code CI=true} (or {@code KVMTUNE_REQUIRE_ALL=1}), where a missing
 * package is a failure: CI installs them all, so an absence there is a broken install step, not a
 * machine that cannot run the test. Only KVM itself may be absent anywhere ({@link #kvm}).
 */
public final class Requires {
    private Requires() {}

    /** True where missing packages fail the test instead of skipping it. */
    public static boolean strict() {
        return "true".equalsIgnoreCase(System.getenv("CI")) || "1".equals(System.getenv("KVMTUNE_REQUIRE_ALL"));
    }

    /** The absolute path of {@code command} on PATH (or /usr/sbin, /sbin), or the test stops. */
    public static Path command(String command, String debianPackage) {
        Optional<Path> found = onPath(command);
        if (found.isPresent()) return found.get();
        missing(command + " is not installed (Debian package " + debianPackage + "; ./test installs it)");
        throw new AssertionError("unreachable");
    }

    /** A file a package installs (a firmware, a data file, a profile), or the test stops. */
    public static Path file(Path file, String debianPackage) {
        if (Files.exists(file)) return file;
        missing(file + " is absent (Debian package " + debianPackage + "; ./test installs it)");
        throw new AssertionError("unreachable");
    }

    /** Skips (never fails) unless this machine runs guests under KVM: for tests whose subject is KVM itself. */
    public static void kvm(String why) {
        if (!Qemu.kvmUsable()) throw new TestAbortedException("no usable /dev/kvm: " + why);
    }

    /** Skips unless the tests run as root; CI runs as root, a developer's run may not. */
    public static void root(String why) {
        if (!"root".equals(System.getProperty("user.name"))) throw new TestAbortedException("not root: " + why);
    }

    /** Skips for a reason of the machine that no package changes (a kernel feature, a CPU count). */
    public static void machine(boolean condition, String reason) {
        if (!condition) throw new TestAbortedException(reason);
    }

    /**
     * Skips unless a reference implementation that no Debian package ships (FlameGraph's perl scripts,
     * QEMU's scripts/ from its source tree) was pointed to with {@code envVar}; the tests that compare
     * against it byte for byte run where a developer or the benchmarks set it.
     */
    public static void reference(boolean present, String envVar, String what) {
        if (!present) throw new TestAbortedException("no " + what + " (not packaged; set " + envVar + " to compare against it)");
    }

    public static Optional<Path> onPath(String command) {
        if (command.contains("/")) return Files.isExecutable(Path.of(command)) ? Optional.of(Path.of(command)) : Optional.empty();
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin:/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, command);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    private static void missing(String what) {
        if (strict()) fail(what + " — CI=true treats a missing package as a failure");
        throw new TestAbortedException(what);
    }
}
