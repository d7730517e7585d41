package dev.kvmtune.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The machine's real libvirtd (Debian's libvirt-daemon-system, QEMU driver), started by the test
 * when it is not running, and virsh against qemu:///system. libvirt reads the hugetlbfs mounts when
 * it starts, so a test that needs them mounts hugetlbfs first and restarts a daemon it found
 * running without them.
 */
public final class Libvirt {
    public record Result(int exit, String out) {
    }

    private Libvirt() {
    }

    /** libvirtd answering on qemu:///system, started (with virtlogd) when it is not. */
    public static void ensureRunning() throws Exception {
        Requires.command("libvirtd", "libvirt-daemon-system");
        Requires.command("virsh", "libvirt-clients");
        if (virsh("uri").exit() == 0) return;
        start();
    }

    private static void start() throws Exception {
        run(List.of("virtlogd", "-d"));
        run(List.of("libvirtd", "-d"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (virsh("uri").exit() == 0) return;
            Thread.sleep(200);
        }
        throw new IllegalStateException("libvirtd did not answer on qemu:///system within 60 s");
    }

    /** hugetlbfs mounted where libvirt looks (/dev/hugepages), with libvirtd restarted when it was running without it. */
    public static void ensureHugetlbfs() throws Exception {
        if (Files.readString(Path.of("/proc/mounts")).lines().anyMatch(l -> l.split(" ").length > 2 && l.split(" ")[2].equals("hugetlbfs"))) return;
        Files.createDirectories(Path.of("/dev/hugepages"));
        Result m = run(List.of("mount", "-t", "hugetlbfs", "hugetlbfs", "/dev/hugepages"));
        if (m.exit() != 0) throw new IllegalStateException("mount -t hugetlbfs: " + m.out());
        if (virsh("uri").exit() == 0) {
            run(List.of("pkill", "-x", "libvirtd"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && run(List.of("pgrep", "-x", "libvirtd")).exit() == 0) Thread.sleep(100);
            start();
        }
    }

    public static Result virsh(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("virsh", "-c", "qemu:///system"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    public static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + ": no answer in 120 s");
        }
        return new Result(p.exitValue(), out);
    }

    /** Whether this process may raise its locked-memory limit (CAP_SYS_RESOURCE), which a domain with {@code <locked/>} needs. */
    public static boolean canLockMemory() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("CapEff:")) return (Long.parseUnsignedLong(l.substring(7).strip(), 16) & (1L << 24)) != 0;
        }
        return false;
    }
}
