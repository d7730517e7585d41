package dev.kvmtune.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A libvirtd of the test's own: Debian's libvirt-daemon-system with the QEMU driver, started in a
 * mount namespace where /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and
 * /var/log/libvirt are directories under the test's {@code dir}. Its sockets, domain definitions,
 * status files and logs stay there; the machine's own libvirtd, if any, is not touched and does not
 * see the test's domains.
 *
 * <p>kvmtune runs inside the same namespace ({@link #kvmtune}), so it finds this libvirtd where it
 * looks on a real host: qemu:///system and the files under /etc/libvirt and /run/libvirt. virsh from
 * the test connects from outside through the socket's real path ({@link #uri}).
 */
public final class Libvirt implements AutoCloseable {
    public record Result(int exit, String out) {
    }

    private static final List<String> DIRS = List.of("etc:/etc/libvirt", "run:/run/libvirt", "lib:/var/lib/libvirt",
            "cache:/var/cache/libvirt", "log:/var/log/libvirt");

    private final Path dir;
    private final Process holder;

    private Libvirt(Path dir, Process holder) {
        this.dir = dir;
        this.holder = holder;
    }

    /**
     * A new namespace holding virtlogd and libvirtd, answering on {@link #uri}. The configuration is
     * the package's (/etc/libvirt/*.conf) without its networks, so that nothing bridges or serves DHCP.
     */
    public static Libvirt start(Path dir) throws Exception {
        Requires.command("libvirtd", "libvirt-daemon-system");
        Requires.command("virsh", "libvirt-clients");
        Requires.command("nsenter", "util-linux");
        for (String d : DIRS) {
            Files.createDirectories(dir.resolve(d.substring(0, d.indexOf(':'))));
            Files.createDirectories(Path.of(d.substring(d.indexOf(':') + 1)));
        }
        try (var confs = Files.list(Path.of("/etc/libvirt"))) {
            for (Path c : confs.filter(p -> p.toString().endsWith(".conf")).toList()) Files.copy(c, dir.resolve("etc").resolve(c.getFileName()));
        }
        Process holder = new ProcessBuilder("unshare", "--mount", "--propagation", "slave", "sleep", "infinity")
                .redirectErrorStream(true).redirectOutput(dir.resolve("holder.log").toFile()).start();
        Libvirt lv = new Libvirt(dir, holder);
        try {
            // the namespace exists once unshare has exec'd sleep
            for (int i = 0; i < 100 && holder.isAlive() && !Files.readString(Path.of("/proc/" + holder.pid() + "/comm")).strip().equals("sleep"); i++) {
                Thread.sleep(20);
            }
            if (!holder.isAlive()) {
                // in a chroot whose root is not a mount point: "cannot change root filesystem propagation"
                throw new IllegalStateException("the test's mount namespace could not be made (unshare --mount --propagation slave): "
                        + Files.readString(dir.resolve("holder.log")).strip());
            }
            StringBuilder mounts = new StringBuilder();
            for (String d : DIRS) {
                mounts.append("mount --bind ").append(dir.resolve(d.substring(0, d.indexOf(':')))).append(' ').append(d.substring(d.indexOf(':') + 1)).append(" && ");
            }
            mounts.append("virtlogd -d -p ").append(dir.resolve("virtlogd.pid"));
            Result m = lv.inside(List.of("sh", "-c", mounts.toString()));
            if (m.exit() != 0) throw new IllegalStateException("setting up the test's libvirt namespace: " + m.out());
            lv.startDaemon();
            return lv;
        } catch (Exception | AssertionError e) {
            lv.close();
            throw e;
        }
    }

    /** The URI of this libvirtd from outside its namespace. */
    public String uri() {
        return "qemu:///system?socket=" + dir.resolve("run/libvirt-sock");
    }

    /** libvirtd (again), answering within 60 s. */
    public void startDaemon() throws Exception {
        Result r = inside(List.of("libvirtd", "-d", "-p", dir.resolve("libvirtd.pid").toString()));
        if (r.exit() != 0) throw new IllegalStateException("libvirtd -d: " + r.out());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (virsh("uri").exit() == 0) return;
            Thread.sleep(200);
        }
        throw new IllegalStateException("the test's libvirtd did not answer on " + uri() + " within 60 s; its log: " + dir.resolve("log"));
    }

    /** Stops libvirtd (its domains' QEMUs keep running, as when a real libvirtd goes down). */
    public void stopDaemon() throws Exception {
        Long pid = pid("libvirtd.pid");
        if (pid == null) return;
        run(List.of("kill", Long.toString(pid)));
        for (int i = 0; i < 300 && Files.exists(Path.of("/proc/" + pid)); i++) Thread.sleep(100);
        if (Files.exists(Path.of("/proc/" + pid))) throw new IllegalStateException("libvirtd " + pid + " did not stop in 30 s");
    }

    /**
     * hugetlbfs mounted at /dev/hugepages inside the namespace only, and libvirtd restarted, since it
     * reads the hugetlbfs mounts when it starts.
     */
    public void mountHugetlbfs() throws Exception {
        Result m = inside(List.of("sh", "-c", "mkdir -p /dev/hugepages && mount -t hugetlbfs hugetlbfs /dev/hugepages"));
        if (m.exit() != 0) throw new IllegalStateException("mount -t hugetlbfs: " + m.out());
        stopDaemon();
        startDaemon();
    }

    /** Whether hugetlbfs is mounted where this libvirtd and kvmtune look. */
    public boolean hugetlbfsMounted() throws Exception {
        return inside(List.of("cat", "/proc/self/mounts")).out().lines()
                .anyMatch(l -> l.split(" ").length > 2 && l.split(" ")[2].equals("hugetlbfs"));
    }

    public Result virsh(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("virsh", "-c", uri()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** A command inside the namespace, where /etc/libvirt and /run/libvirt are the test's. */
    public Result inside(List<String> cmd) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("nsenter", "-t", Long.toString(holder.pid()), "-m", "-r", "-w", "--"));
        all.addAll(cmd);
        return run(all);
    }

    /** kvmtune as its own process (the launcher's java, the test's classes) inside the namespace, as a user on this host would run it. */
    public Cli.Result kvmtune(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", Long.toString(holder.pid()), "-m", "-r", "-w", "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                "dev.kvmtune.cli.Main"));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "kvmtune-err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("kvmtune " + String.join(" ", args) + ": no answer in 300 s");
        }
        String e = Files.readString(err);
        Files.delete(err);
        return new Cli.Result(p.exitValue(), out, e);
    }

    /** Every domain destroyed and undefined, the daemons stopped, the namespace (and with it the bind mounts) gone. */
    @Override
    public void close() throws Exception {
        try {
            if (Files.exists(dir.resolve("libvirtd.pid")) && virsh("uri").exit() == 0) {
                for (String d : virsh("list", "--name").out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList()) virsh("destroy", d);
                for (String d : virsh("list", "--all", "--name").out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList()) virsh("undefine", d);
            }
            stopDaemon();
            Long logd = pid("virtlogd.pid");
            if (logd != null) run(List.of("kill", Long.toString(logd)));
        } finally {
            holder.destroy();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Long pid(String file) throws IOException {
        Path f = dir.resolve(file);
        if (!Files.exists(f)) return null;
        String s = Files.readString(f).strip();
        return s.isEmpty() ? null : Long.parseLong(s);
    }

    public static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
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
