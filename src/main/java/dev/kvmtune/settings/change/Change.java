package dev.kvmtune.settings.change;

import dev.kvmtune.facts.memory.MemoryReader;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * One change apply can make and undo. {@link #status} reads the current state for the dry run and
 * for "skip when it already matches"; {@link #prepare} reads the original into the journal record
 * written before {@link #apply}; {@link #verify} reads back. Undoing works from the journal record
 * alone ({@link Rollback}), so that a crashed apply is finished without the plan.
 */
public sealed interface Change {

    /** The plan setting it serves, e.g. {@code sysctl vm.stat_interval}. */
    String setting();

    /** What it touches: a root-relative path, a thread, a command. */
    String target();

    String desired();

    /** The current state as shown to the user, and whether it already matches. */
    record Status(String current, boolean matches) {
    }

    Status status(HostAccess h) throws IOException;

    /** The journal step holding the original, read now: its own undo. */
    JournalRecord.Step prepare(HostAccess h, int n) throws IOException;

    void apply(HostAccess h) throws IOException;

    /** Reads back; an {@link IOException} says how it differs. */
    void verify(HostAccess h) throws IOException;

    /** Failures that mean "this one cannot change here", reported and skipped instead of failing the apply. */
    default String tolerated(IOException e) {
        return null;
    }

    /** How a kernel file's content compares with a wanted value. */
    enum Compare {
        /** Trimmed, blanks collapsed, Y/N as 1/0 (sysctls, module parameters). */
        PLAIN,
        /** {@code always [madvise] never}: the bracketed choice. */
        SELECTION,
        /** Hex CPU masks (workqueue cpumask, default_smp_affinity), compared as CPU sets. */
        CPUMASK,
        /** CPU lists (smp_affinity_list). */
        CPULIST;

        boolean same(String content, String wanted) {
            return switch (this) {
                case PLAIN -> sameValue(wanted, content);
                case SELECTION -> sameValue(wanted, shown(content));
                case CPUMASK -> sets(content, wanted, true);
                case CPULIST -> sets(content, wanted, false);
            };
        }

        /** The value as the user reads it. */
        String shown(String content) {
            String s = content.strip();
            return this == SELECTION && s.contains("[") ? MemoryReader.selected(s) : s;
        }

        private static boolean sets(String content, String wanted, boolean mask) {
            try {
                return mask ? CpuSet.parseMask(content.strip()).equals(CpuSet.parseMask(wanted.strip()))
                        : CpuSet.parseList(content.strip()).equals(CpuSet.parseList(wanted.strip()));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }

    /**
     * A value written to a kernel file (sysctl, sysfs, module parameter, IRQ affinity).
     *
     * @param writeFirst values written first, in order, when the current one is not yet the wanted one
     *                  (KSM: 2 unmerges every shared page before 0 stops the daemon)
     * @param tolerant  an IRQ: EPERM/EIO/EINVAL mean the kernel keeps it where it is (per-CPU, managed),
     *                  ENOENT that it went away; reported, not failed
     */
    record Value(String setting, String target, String desired, Compare compare, List<String> writeFirst, boolean tolerant)
            implements Change {

        @Override
        public Status status(HostAccess h) throws IOException {
            String now = text(h.readBytes(target));
            return new Status(compare.shown(now), compare.same(now, desired));
        }

        @Override
        public JournalRecord.Step prepare(HostAccess h, int n) throws IOException {
            String now = text(h.readBytes(target));
            return new JournalRecord.ValueStep(n, setting, target, desired, now, compare.shown(now), compare.name());
        }

        @Override
        public void apply(HostAccess h) throws IOException {
            for (String v : writeFirst) h.writeValue(target, v);
            h.writeValue(target, desired);
        }

        @Override
        public void verify(HostAccess h) throws IOException {
            String now = text(h.readBytes(target));
            if (!compare.same(now, desired)) {
                throw new IOException(target + " reads back '" + compare.shown(now) + "' after writing '" + desired + "'");
            }
        }

        @Override
        public String tolerated(IOException e) {
            if (!tolerant) return null;
            String errno = Errno.of(e);
            // EPERM: userspace may not move it (irq_can_set_affinity_usr: per-CPU, no balancing, managed);
            // EIO / EINVAL: the interrupt chip refused the mask.
            if ("EPERM".equals(errno) || "EIO".equals(errno) || "EINVAL".equals(errno)) {
                return "the kernel keeps this IRQ where it is (" + errno + "): per-CPU, managed or not movable by its chip";
            }
            if (e instanceof NoSuchFileException) return "the IRQ went away";
            return null;
        }
    }

    /** A regular file installed with this content and mode (a rendered configuration file). */
    record File(String setting, String target, byte[] content, int mode) implements Change {

        @Override
        public String desired() {
            return content.length + " bytes";
        }

        @Override
        public Status status(HostAccess h) throws IOException {
            if (!h.exists(target)) return new Status("absent", false);
            byte[] now = h.readBytes(target);
            return new Status(Arrays.equals(now, content) ? "installed" : "differs (" + now.length + " bytes)", Arrays.equals(now, content)
                    && h.mode(target) == mode);
        }

        @Override
        public JournalRecord.Step prepare(HostAccess h, int n) throws IOException {
            if (!h.exists(target)) return new JournalRecord.FileStep(n, setting, target, null, false, null);
            return new JournalRecord.FileStep(n, setting, target, Base64.getEncoder().encodeToString(h.readBytes(target)), true, h.mode(target));
        }

        @Override
        public void apply(HostAccess h) throws IOException {
            h.install(target, content, mode);
        }

        @Override
        public void verify(HostAccess h) throws IOException {
            if (!Arrays.equals(h.readBytes(target), content)) throw new IOException(target + " does not read back as written");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof File f && f.setting.equals(setting) && f.target.equals(target) && Arrays.equals(f.content, content) && f.mode == mode;
        }

        @Override
        public int hashCode() {
            return target.hashCode() * 31 + Arrays.hashCode(content);
        }

        @Override
        public String toString() {
            return "File[" + target + ", " + content.length + " bytes]";
        }
    }

    /** Values equal as the kernel means them: trimmed, blanks collapsed, Y/N as 1/0. */
    static boolean sameValue(String expected, String actual) {
        if (actual == null) return false;
        return norm(expected).equals(norm(actual));
    }

    private static String norm(String v) {
        String s = v.strip().replaceAll("\\s+", " ");
        return switch (s) {
            case "Y", "y" -> "1";
            case "N", "n" -> "0";
            default -> s;
        };
    }

    /** The mode of the files apply installs. */
    int FILE_MODE = 0644;

    /** A directory a file goes into; removed again on rollback when it is empty. */
    record Dir(String setting, String target) implements Change {
        /** The directories to create on the way to a file, outermost first. */
        public static List<Change> parents(HostAccess h, String label, String path) {
            List<Change> out = new java.util.ArrayList<>();
            String dir = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
            while (!dir.isEmpty() && !h.isDirectory(dir)) {
                out.add(0, new Dir(label, dir));
                dir = dir.contains("/") ? dir.substring(0, dir.lastIndexOf('/')) : "";
            }
            return out;
        }

        @Override
        public String desired() {
            return "directory";
        }

        @Override
        public Status status(HostAccess h) {
            return new Status(h.isDirectory(target) ? "directory" : "absent", h.isDirectory(target));
        }

        @Override
        public JournalRecord.Step prepare(HostAccess h, int n) {
            return new JournalRecord.MkdirStep(n, setting, target);
        }

        @Override
        public void apply(HostAccess h) throws IOException {
            h.mkdir(target);
        }

        @Override
        public void verify(HostAccess h) throws IOException {
            if (!h.isDirectory(target)) throw new IOException(target + " is not a directory after mkdir");
        }
    }

    /**
     * A thread's scheduling: a kernel thread of a profile's thread-sched setting, or a QEMU thread
     * by role. A null policy or CPU set leaves that part as it is.
     */
    record Thread(String setting, String target, int pid, int tid, SchedPolicy policy, int priority, CpuSet cpus) implements Change {

        @Override
        public String desired() {
            StringBuilder sb = new StringBuilder();
            if (policy != null) sb.append(policy.name().toLowerCase(java.util.Locale.ROOT)).append(':').append(priority);
            if (cpus != null) sb.append(sb.length() > 0 ? " " : "").append("cpus=").append(cpus.toList());
            return sb.toString();
        }

        private SchedState wanted(SchedState now) {
            return now.with(policy, priority, cpus);
        }

        @Override
        public Status status(HostAccess h) throws IOException {
            SchedState now = h.threads().get(pid, tid);
            return new Status(now.toString(), now.equals(wanted(now)));
        }

        @Override
        public JournalRecord.Step prepare(HostAccess h, int n) throws IOException {
            SchedState now = h.threads().get(pid, tid);
            return new JournalRecord.ThreadStep(n, setting, target, wanted(now).toString(), now.toString(), pid, tid);
        }

        @Override
        public void apply(HostAccess h) throws IOException {
            h.threads().set(pid, tid, wanted(h.threads().get(pid, tid)));
        }

        @Override
        public void verify(HostAccess h) throws IOException {
            SchedState now = h.threads().get(pid, tid);
            if (!now.equals(wanted(now))) throw new IOException(target + " is " + now + " after setting " + desired());
        }

        @Override
        public String tolerated(IOException e) {
            return e instanceof ThreadScheduler.ThreadGoneException ? "the thread exited" : null;
        }
    }

    /**
     * A command run on the live host (swapoff, the boot-loader regeneration) with the command that
     * undoes it. {@code undoLast}: undone after everything else (regenerate the boot menu once the
     * boot-loader file is back).
     */
    record Command(String setting, List<String> argv, List<List<String>> undo, boolean undoLast, String current, boolean needed)
            implements Change {
        @Override
        public String target() {
            return String.join(" ", argv);
        }

        @Override
        public String desired() {
            return "run";
        }

        @Override
        public Status status(HostAccess h) {
            return new Status(current, !needed);
        }

        @Override
        public JournalRecord.Step prepare(HostAccess h, int n) {
            StringBuilder u = new StringBuilder();
            for (List<String> cmd : undo) u.append(u.length() > 0 ? "\n" : "").append(String.join("\0", cmd));
            return new JournalRecord.CommandStep(n, setting, String.join(" ", argv), current, u.toString(), undoLast);
        }

        @Override
        public void apply(HostAccess h) throws IOException {
            int rc = h.run(argv);
            if (rc != 0) throw new IOException(String.join(" ", argv) + " exited with " + rc);
        }

        @Override
        public void verify(HostAccess h) {
        }
    }

    /**
     * A libvirt domain's definition replaced (virsh define), for what only takes effect when it next
     * starts (vcpusched). The XML is the domain's definition as libvirt gave it, changed only where
     * the plan says.
     */
    record Define(String setting, String uri, String domain, java.util.function.UnaryOperator<String> edit, String desired, String current,
                  boolean needed) implements Change {
        @Override
        public String target() {
            return "virsh define " + domain;
        }

        @Override
        public Status status(HostAccess h) {
            return new Status(current, !needed);
        }

        @Override
        public JournalRecord.Step prepare(HostAccess h, int n) throws IOException {
            String before = dumpInactive(h, uri, domain);
            return new JournalRecord.DefineStep(n, setting, target(), uri, domain, Base64.getEncoder().encodeToString(before.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public void apply(HostAccess h) throws IOException {
            define(h, uri, domain, edit.apply(dumpInactive(h, uri, domain)));
        }

        @Override
        public void verify(HostAccess h) throws IOException {
            String now0 = dumpInactive(h, uri, domain);
            var want = dev.kvmtune.facts.vm.DomainXml.parse(edit.apply(now0), "the XML defined").pinning();
            var now = dev.kvmtune.facts.vm.DomainXml.parse(now0, "virsh dumpxml --inactive " + domain).pinning();
            if (want != null && (now == null || !want.vcpusched().equals(now.vcpusched()))) {
                throw new IOException("domain " + domain + " is defined with vcpusched " + (now == null ? "{}" : now.vcpusched()) + ", not " + want.vcpusched());
            }
        }

        /** The XML libvirt would start the domain from next; a domain libvirt does not give is an error. */
        public static String dumpInactive(HostAccess h, String uri, String domain) throws IOException {
            HostAccess.Answer a = h.ask(List.of("virsh", "-q", "-c", uri, "dumpxml", "--inactive", "--security-info", domain));
            if (a.exit() != 0) throw new IOException("virsh dumpxml --inactive " + domain + ": " + a.output().strip());
            if (a.output().length() >= (1 << 16) - 1) throw new IOException("virsh dumpxml --inactive " + domain + ": the definition is over 64 KiB");
            return a.output();
        }

        /** {@code virsh define} of this XML, from a private temporary file removed afterwards. */
        public static void define(HostAccess h, String uri, String domain, String xml) throws IOException {
            java.nio.file.Path tmp = java.nio.file.Files.createTempFile("kvmtune-" + domain.replaceAll("[^A-Za-z0-9_.-]", "_") + "-", ".xml");
            try {
                java.nio.file.Files.writeString(tmp, xml);
                int rc = h.run(List.of("virsh", "-q", "-c", uri, "define", tmp.toString()));
                if (rc != 0) throw new IOException("virsh define of domain " + domain + " exited with " + rc);
            } finally {
                java.nio.file.Files.deleteIfExists(tmp);
            }
        }
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
