import dev.kvmtune.facts.irq.InterruptsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Parse time of one /proc/interrupts text (bench/irq.sh): the first parse in a fresh JVM, as the
 * command pays it, then the median of RUNS more. Usage: java -cp JARS bench/IrqParse.java FILE [RUNS]
 */
public class IrqParse {
    public static void main(String[] args) throws Exception {
        byte[] text = Files.readAllBytes(Path.of(args[0]));
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long t0 = System.nanoTime();
        InterruptsReader.Table first = InterruptsReader.parse(text, args[0]);
        long cold = System.nanoTime() - t0;
        long[] warm = new long[runs];
        for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            InterruptsReader.parse(text, args[0]);
            warm[i] = System.nanoTime() - s;
        }
        Arrays.sort(warm);
        System.out.printf("%d CPUs, %d rows, %d bytes: first parse %.1f ms, median of %d more %.1f ms%n",
                first.cpus().size(), first.rows().size(), text.length, cold / 1e6, runs, warm[runs / 2] / 1e6);
    }
}
