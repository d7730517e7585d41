package dev.kvmtune.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Entry point: runs the CLI and exits with its code. */
public final class Main {
    /** The process's stdout as picocli's writer; commands that emit bytes (folded stacks) recognize it and write System.out directly. */
    static final PrintWriter STDOUT = new PrintWriter(System.out, true);

    private Main() {
    }

    /**
     * The annotation types picocli reads, in the order a command asks for them: {@code Retention} for the
     * first annotation type's own, {@code Deprecated} for Object's methods, then picocli's. CliTest checks
     * that every picocli annotation on a command class is here.
     */
    static final Class<?>[] ANNOTATIONS = {java.lang.annotation.Retention.class, CommandLine.Command.class, CommandLine.Option.class,
        Deprecated.class, CommandLine.Spec.class, CommandLine.ParentCommand.class, CommandLine.Mixin.class, CommandLine.Parameters.class,
        CommandLine.ArgGroup.class};

    /**
     * The JDK reads an annotation through a proxy class for its type, generated at every start: no class
     * archive keeps them, and in a cold JVM each took about 5 ms of picocli's part. A second thread makes
     * them (a proxy class is shared by every proxy of its type and loader) while the main thread registers
     * picocli's converters: facts and audit 5-9% faster in the median of 21 pairs (bench/README). A failure here
     * costs only time.
     */
    static final class Proxies extends Thread implements java.lang.reflect.InvocationHandler {
        // a class, not lambdas, run by the training run too: its class comes from the class archive
        Proxies() {
            super("kvmtune-proxies");
            setDaemon(true);
        }

        @Override
        public void run() {
            for (Class<?> type : ANNOTATIONS) {
                try {
                    java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, this);
                } catch (RuntimeException | LinkageError e) {
                    return;
                }
            }
        }

        @Override
        public Object invoke(Object proxy, java.lang.reflect.Method method, Object[] args) {
            return null;
        }
    }

    public static void main(String[] args) {
        // KVMTUNE_STARTUP_TRACE=1: when main began, the command line was built and the command ended, in ms of the
        // Unix epoch, for bench/startup.sh to set beside the launcher's exec of java (strace -ttt)
        boolean trace = System.getenv("KVMTUNE_STARTUP_TRACE") != null;
        long entered = trace ? System.currentTimeMillis() : 0;
        // picocli otherwise looks for Groovy's Closure class, which is nowhere: the search opens every jar on the
        // class path (22), where the classes of a run come from the class archive without opening any
        System.setProperty("picocli.disable.closures", "true");
        new Proxies().start();
        CommandLine cl = KvmtuneCommand.newCommandLine(args, STDOUT, new OutputStreamWriter(System.err, StandardCharsets.UTF_8));
        long built = trace ? System.currentTimeMillis() : 0;
        int code = cl.execute(args);
        if (trace) {
            System.err.println("kvmtune: startup trace: main " + entered + " built " + built + " done " + System.currentTimeMillis());
        }
        // Success with nothing else running ends at the end of main, as the JVM ends any program: the shutdown hooks
        // run all the same. Runtime.exit on JDK 21 and later first looks up a System.Logger to log the call to, and
        // that lookup searches every jar on the class path (22) for a LoggerFinder: 30 ms of a 0.2 s run (bench/README).
        if (code != 0 || !mayReturn(threads(), Thread.currentThread())) {
            System.exit(code);
        }
    }

    /** Every live thread of the JVM's thread groups, or null when there were more than the array holds. */
    static Thread[] threads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 8];
        int n = root.enumerate(threads, true);
        return n < threads.length ? java.util.Arrays.copyOf(threads, n) : null;
    }

    /**
     * Whether main may return instead of calling System.exit: only when every other live thread is a daemon, since the
     * JVM waits for the others, and only when the threads are all known.
     */
    static boolean mayReturn(Thread[] threads, Thread self) {
        if (threads == null) return false;
        for (Thread t : threads) {
            if (t != self && t.isAlive() && !t.isDaemon()) return false;
        }
        return true;
    }
}
