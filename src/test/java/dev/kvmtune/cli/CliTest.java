package dev.kvmtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path tmp;

    @Test
    void helpAndVersion() {
        Cli.Result help = Cli.run("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("facts", "capture", "audit", "Exit codes");
        assertThat(Cli.run("--version").out()).startsWith("kvmtune ");
        assertThat(Cli.run("facts", "--help").out()).contains("kvmtune facts --snapshot host.tar.gz");
    }

    @Test
    void everyOptionTypeHasAConverter() {
        // picocli's own converters for java.time and java.sql are not registered (start-up): an option of such a
        // type must name its converter, or it would fail only when given
        java.util.List<String> missing = new java.util.ArrayList<>();
        java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(KvmtuneCommand.newCommandLine()));
        int seen = 0;
        while (!todo.isEmpty()) {
            picocli.CommandLine c = todo.pop();
            todo.addAll(c.getSubcommands().values());
            for (picocli.CommandLine.Model.ArgSpec a : c.getCommandSpec().args()) {
                seen++;
                if (a.converters().length > 0) continue;
                java.util.Set<Class<?>> types = new java.util.LinkedHashSet<>(java.util.List.of(a.auxiliaryTypes()));
                types.add(a.type());
                for (Class<?> t : types) {
                    if (t.getName().matches(KvmtuneCommand.EXCLUDED_CONVERTERS)) {
                        missing.add(c.getCommandSpec().qualifiedName() + " " + a + " (" + t.getName() + ")");
                    }
                }
            }
        }
        assertThat(seen).isGreaterThan(100);
        assertThat(missing).isEmpty();
        // and one that has its own converter still converts
        assertThat(Cli.run("latency", "run", "--duration", "soon").err()).contains("--duration");
    }

    @Test
    void theStartWarmsEveryAnnotationTypeTheCommandsUse() {
        // Main makes the JDK's proxy class of each annotation type picocli reads on a second thread; one missing
        // from its list is made on the main thread again, slower but correct, so this test keeps the list whole
        java.util.Set<Class<?>> used = new java.util.TreeSet<>(java.util.Comparator.comparing(Class::getName));
        java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(KvmtuneCommand.newCommandLine()));
        while (!todo.isEmpty()) {
            picocli.CommandLine c = todo.pop();
            todo.addAll(c.getSubcommands().values());
            java.util.List<Object> objects = new java.util.ArrayList<>(java.util.List.of(c.getCommandSpec().userObject()));
            c.getCommandSpec().mixins().values().forEach(m -> objects.add(m.userObject()));
            for (Object o : objects) {
                for (Class<?> k = o.getClass(); k != null && k != Object.class; k = k.getSuperclass()) {
                    java.util.List<java.lang.reflect.AnnotatedElement> elements = new java.util.ArrayList<>(java.util.List.of(k));
                    elements.addAll(java.util.List.of(k.getDeclaredFields()));
                    elements.addAll(java.util.List.of(k.getDeclaredMethods()));
                    for (var e : elements) {
                        for (var a : e.getAnnotations()) {
                            if (a.annotationType().getName().startsWith("picocli.")) used.add(a.annotationType());
                        }
                    }
                }
            }
        }
        assertThat(used).contains(picocli.CommandLine.Command.class, picocli.CommandLine.Option.class);
        assertThat(java.util.List.of(Main.ANNOTATIONS)).containsAll(used);
    }

    @Test
    void usageErrorsExitTwo() {
        Cli.Result r = Cli.run("facts", "--no-such-option");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--no-such-option");
        assertThat(Cli.run("facts", "--format", "yaml").exit()).isEqualTo(2);
    }

    @Test
    void badSnapshotIsOneLineExitTwo() throws IOException {
        Path garbage = tmp.resolve("garbage.tar.gz");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5});
        Cli.Result r = Cli.run("facts", "--snapshot", garbage.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("kvmtune: " + garbage);
        assertThat(r.out()).isEmpty();

        Cli.Result missing = Cli.run("facts", "--snapshot", tmp.resolve("nope.tar.gz").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("no such snapshot file");

        Cli.Result trace = Cli.run("facts", "--snapshot", garbage.toString(), "--stacktrace");
        assertThat(trace.err()).contains("at dev.kvmtune");
    }

    @Test
    void rootMustBeADirectory() {
        Cli.Result r = Cli.run("facts", "--root", tmp.resolve("absent").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--root must name a directory");
    }

    @Test
    void emptyDirectoryRootIsAllUnknownNotZero() throws IOException {
        Cli.Result r = Cli.run("facts", "--root", tmp.toString(), "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.at("/kernel/cmdline/status").asText()).isEqualTo("missing");
        assertThat(j.at("/sysctls/kernel.watchdog/status").asText()).isEqualTo("missing");
        assertThat(j.at("/numa").size()).isZero();
        assertThat(Cli.run("facts", "--root", tmp.toString()).out()).contains("no NUMA information", "unknown");
    }

    @Test
    void captureThenFactsFromTheSnapshot() throws IOException {
        Path out = tmp.resolve("live.tar.gz");
        Cli.Result c = Cli.run("capture", "-o", out.toString(), "--format", "json");
        assertThat(c.exit()).as(c.err()).isZero();
        assertThat(new ObjectMapper().readTree(c.out()).get("files").asInt()).isGreaterThan(20);
        Cli.Result f = Cli.run("facts", "--snapshot", out.toString(), "--format", "json");
        assertThat(f.exit()).as(f.err()).isZero();
        assertThat(new ObjectMapper().readTree(f.out()).at("/root").asText()).isEqualTo("snapshot " + out);
        Cli.Result again = Cli.run("capture", "--snapshot", out.toString(), "-o", tmp.resolve("x.tar.gz").toString());
        assertThat(again.exit()).isEqualTo(2);
        Cli.Result noDir = Cli.run("capture", "-o", tmp.resolve("no/such/dir.tar.gz").toString());
        assertThat(noDir.exit()).isEqualTo(2);
        assertThat(noDir.err()).contains("no/such").contains("does not exist");
    }

    @Test
    void auditRunsOnThisHost() {
        Cli.Result r = Cli.run("audit");
        assertThat(r.exit()).as(r.err()).isIn(0, 3);
        assertThat(r.out()).isNotBlank();
    }

    /** Impossible or empty requests are usage errors, and help is laid out so that no authored line is wrapped. */
    @Test
    void impossibleRequestsAndHelpLayout() {
        Cli.Result bare = Cli.run();
        assertThat(bare.exit()).isEqualTo(2);
        assertThat(bare.err()).contains("kvmtune: a command is needed");
        Cli.Result ticks = Cli.run("ticks", "--cpus", "4000-4001", "--interval", "100ms");
        assertThat(ticks.exit()).isEqualTo(2);
        assertThat(ticks.err()).contains("--cpus 4000-4001: CPUs 4000-4001 are not online here");
        for (String c : KvmtuneCommand.ACCEPTS.keySet()) {
            Cli.Result h = Cli.run((c + " --help").split(" "));
            assertThat(h.exit()).as(c).isZero();
            for (String line : h.out().lines().toList()) {
                assertThat(line.length()).as("%s --help: %s", c, line).isLessThanOrEqualTo(KvmtuneCommand.HELP_WIDTH);
                if (line.strip().startsWith("kvmtune ") || line.strip().startsWith("sudo kvmtune ")) {
                    assertThat(line.length()).as("%s: an example is not split by wrapping: %s", c, line).isLessThan(KvmtuneCommand.HELP_WIDTH - 2);
                }
            }
        }
        String list = Cli.run("--help").out();
        assertThat(list).contains("  apply         Apply a plan (plan.json from 'kvmtune plan --out DIR') to this host as one transaction.\n");
    }
}
