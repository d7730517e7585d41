package dev.kvmtune.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real qemu-system-x86_64 started by a test (DESIGN.md): {@code -name NAME,debug-threads=on},
 * a QMP socket, no display, no default devices, KVM when /dev/kvm can be opened (else TCG). The
 * firmware idles without a boot disk. Closing stops it, forcibly after 5 s.
 */
public final class Qemu implements AutoCloseable {
    private final Process process;
    private final Path qmp;
    private final Path log;
    private final String accel;

    private Qemu(Process process, Path qmp, Path log, String accel) {
        this.process = process;
        this.qmp = qmp;
        this.log = log;
        this.accel = accel;
    }

    public static boolean kvmUsable() {
        Path kvm = Path.of("/dev/kvm");
        return Files.isReadable(kvm) && Files.isWritable(kvm);
    }

    /** Starts a VM named {@code name} (debug-threads=on) with the extra arguments. */
    public static Qemu start(Path dir, String name, List<String> extra) throws IOException, InterruptedException {
        return start(dir, name + ",debug-threads=on", name, extra);
    }

    /**
     * @param nameArg the whole -name argument (without debug-threads=on the vCPU threads are unnamed)
     */
    public static Qemu start(Path dir, String nameArg, String file, List<String> extra) throws IOException, InterruptedException {
        String accel = kvmUsable() ? "kvm" : "tcg";
        Qemu q = tryStart(dir, nameArg, file, extra, accel, accel.equals("kvm") ? "host" : "qemu64");
        if (q == null && accel.equals("kvm")) q = tryStart(dir, nameArg, file, extra, accel, "qemu64");
        if (q == null) throw new IllegalStateException("qemu did not start: " + Files.readString(dir.resolve(file + ".log")));
        return q;
    }

    private static Qemu tryStart(Path dir, String nameArg, String file, List<String> extra, String accel, String cpu)
            throws IOException, InterruptedException {
        Path sock = dir.resolve(file + ".qmp");
        Path log = dir.resolve(file + ".log");
        Files.deleteIfExists(sock);
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-name", nameArg, "-qmp", "unix:" + sock + ",server=on,wait=off",
                "-display", "none", "-nodefaults", "-accel", accel));
        boolean hasCpu = false;
        for (String e : extra) hasCpu |= e.equals("-cpu");
        if (!hasCpu) cmd.addAll(List.of("-cpu", cpu));
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) return null;
            if (Files.exists(sock)) return new Qemu(p, sock, log, accel);
            Thread.sleep(50);
        }
        p.destroyForcibly();
        return null;
    }

    public long pid() {
        return process.pid();
    }

    public Path qmp() {
        return qmp;
    }

    public String accel() {
        return accel;
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    /** Thread ids of the process whose comm equals the name. */
    public List<Integer> threadsNamed(String comm) throws IOException {
        List<Integer> out = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc/" + pid() + "/task"))) {
            for (Path t : s.toList()) {
                if (Files.readString(t.resolve("comm")).strip().equals(comm)) out.add(Integer.parseInt(t.getFileName().toString()));
            }
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
