import dev.kvmtune.flame.ParallelCollapse;
import dev.kvmtune.flame.PerfCollapse;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * flame collapse's parser with 1..N threads in one warm JVM (bench/collapse-scaling.sh): JIT
 * compilation and JVM start are left out, so what remains is how the parse itself scales with
 * the CPUs it is given (taskset). Warms up with WARMUP runs of each thread count, then alternates
 * the thread counts ROUNDS times and prints, for each, the median wall and CPU (the whole process's
 * user+sys) seconds and MB/s.
 * Usage: java -cp JARS bench/CollapseScaling.java FILE MAX_THREADS [ROUNDS] [WARMUP]
 */
public class CollapseScaling {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int max = Integer.parseInt(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        long bytes = java.nio.file.Files.size(file);
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<List<double[]>> times = new ArrayList<>();
        for (int j = 0; j <= max; j++) times.add(new ArrayList<>());
        long expected = -1;
        for (int r = 0; r < warmup + rounds; r++) {
            for (int j = 1; j <= max; j++) {
                System.gc();
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                ParallelCollapse.Result res = ParallelCollapse.run(file, PerfCollapse.Options.defaults(), j, m -> { });
                long wall = System.nanoTime() - t0;
                long cpu = os.getProcessCpuTime() - cpu0;
                long total = res.stacks().values().stream().mapToLong(Long::longValue).sum();
                if (expected < 0) expected = total;
                if (total != expected) throw new AssertionError("threads " + j + ": " + total + " samples, not " + expected);
                if (r >= warmup) times.get(j).add(new double[] {wall / 1e9, cpu / 1e9});
            }
        }
        System.out.printf("%s: %d MB, %d samples, %d CPUs available%n", file, bytes >> 20, expected, Runtime.getRuntime().availableProcessors());
        for (int j = 1; j <= max; j++) {
            double[] w = times.get(j).stream().mapToDouble(t -> t[0]).sorted().toArray();
            double[] c = times.get(j).stream().mapToDouble(t -> t[1]).sorted().toArray();
            System.out.printf("  -j %d: wall %.3f s (%.0f MB/s), CPU %.3f s, runs %s%n", j, w[w.length / 2], bytes / 1048576.0 / w[w.length / 2], c[c.length / 2],
                    Arrays.toString(times.get(j).stream().mapToDouble(t -> Math.round(t[0] * 1000) / 1000.0).toArray()));
        }
    }
}
