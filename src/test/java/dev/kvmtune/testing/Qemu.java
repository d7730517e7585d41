package dev.kvmtune.testing;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
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

    /**
     * True when /dev/kvm can be opened and the run does not ask for TCG ({@code KVMTUNE_TEST_ACCEL=tcg}
     * runs the suite as a machine without KVM would).
     */
    /** The first of start()'s attempts that ran a guest in this JVM. */
    private static volatile int firstWorking;

    public static boolean kvmUsable() {
        if ("tcg".equals(System.getenv("KVMTUNE_TEST_ACCEL"))) return false;
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
        Requires.command("qemu-system-x86_64", "qemu-system-x86");
        StringBuilder tried = new StringBuilder();
        // KVM with the host's CPU, then KVM with a plain model (a nested or paravirtualized KVM may refuse
        // the host's MSRs and abort once the machine is set up), then TCG, which runs anywhere. A -cpu the
        // test gives keeps its flags; only its model "host" becomes qemu64 in the fallbacks.
        String[][] attempts = kvmUsable() ? new String[][] {{"kvm", "host"}, {"kvm", "qemu64"}, {"tcg", "qemu64"}} : new String[][] {{"tcg", "qemu64"}};
        // what worked once works again: later starts skip the attempts that crashed (each costs the wait below)
        int from = Math.min(firstWorking, attempts.length - 1);
        for (int i = from; i < attempts.length; i++) {
            String[] attempt = attempts[i];
            List<String> args = withCpuModel(extra, attempt[1]);
            Qemu q = tryStart(dir, nameArg, file, args, attempt[0]);
            if (q != null) {
                firstWorking = i;
                return q;
            }
            tried.append("\n-accel ").append(attempt[0]).append(" -cpu ").append(args.get(args.indexOf("-cpu") + 1)).append(": ")
                    .append(Files.readString(dir.resolve(file + ".log")));
        }
        throw new IllegalStateException("qemu did not start:" + tried);
    }

    /** The arguments with a -cpu whose model is {@code model} where the test asked for "host" or for nothing. */
    private static List<String> withCpuModel(List<String> extra, String model) {
        List<String> args = new ArrayList<>(extra);
        int i = args.indexOf("-cpu");
        if (i < 0) {
            args.addAll(0, List.of("-cpu", model));
        } else if (args.get(i + 1).equals("host") || args.get(i + 1).startsWith("host,")) {
            args.set(i + 1, model + args.get(i + 1).substring(4));
        }
        return args;
    }

    private static Qemu tryStart(Path dir, String nameArg, String file, List<String> args, String accel) throws IOException, InterruptedException {
        Path sock = dir.resolve(file + ".qmp");
        Path log = dir.resolve(file + ".log");
        Files.deleteIfExists(sock);
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-name", nameArg, "-qmp", "unix:" + sock + ",server=on,wait=off",
                "-display", "none", "-nodefaults", "-accel", accel));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) return null;
            if (Files.exists(sock)) {
                if (greets(p, sock, deadline, accel.equals("kvm") ? 1500 : 300)) return new Qemu(p, sock, log, accel);
                break;
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        return null;
    }

    /**
     * QEMU sends the QMP greeting from its main loop, after the machine and its vCPUs are set up, and is
     * still alive a moment later. Only the greeting is read: no command is sent, so tests that count QMP
     * commands in a trace see only their own.
     */
    private static boolean greets(Process p, Path sock, long deadline, long settleMs) throws InterruptedException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            ch.configureBlocking(false);
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (System.nanoTime() < deadline && p.isAlive()) {
                int n = ch.read(buf);
                if (n < 0) return false;
                for (int i = 0; i < buf.position(); i++) {
                    if (buf.get(i) == '\n') {
                        // a KVM that refuses the vCPU's registers aborts QEMU as the vCPUs first run, which can
                        // come after the greeting: KVM guests get longer to prove they stay up
                        Thread.sleep(settleMs);
                        return p.isAlive();
                    }
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            return false;
        }
        return false;
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
