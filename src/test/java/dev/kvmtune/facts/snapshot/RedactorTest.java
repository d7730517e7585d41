package dev.kvmtune.facts.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
    @Test
    void redactsQemuSecretsAndPasswords() {
        List<String> args = List.of("qemu-system-x86_64", "-object", "secret,id=sec0,data=letmein,format=raw",
                "-vnc", ":1,password=on", "-spice", "port=5900,password=hunter2",
                "-object", "{\"qom-type\":\"secret\",\"id\":\"s1\",\"data\":\"c2VjcmV0\"}",
                "-drive", "file=rbd:pool/img:id=admin:key=AQ,format=raw", "-name", "vm1");
        Redactor.Result r = Redactor.redact(args);
        assertThat(r.args().get(2)).isEqualTo("secret,id=sec0,data=<redacted>,format=raw");
        assertThat(r.args().get(6)).isEqualTo("port=5900,password=<redacted>");
        assertThat(r.args().get(8)).isEqualTo("{\"qom-type\":\"secret\",\"id\":\"s1\",\"data\":\"<redacted>\"}");
        assertThat(r.args().get(4)).as("password=on is a switch, kept").isEqualTo(":1,password=on");
        assertThat(r.args().get(12)).isEqualTo("vm1");
        assertThat(r.changes()).extracting(Redactor.Change::what).contains("secret object data", "password");
        assertThat(String.join(" ", r.args())).doesNotContain("letmein", "hunter2", "c2VjcmV0");
    }

    @Test
    void redactsLongOptions() {
        Redactor.Result r = Redactor.redact(List.of("tool", "--password", "s3cret", "--token=abc", "--name", "x"));
        assertThat(r.args()).containsExactly("tool", "--password", "<redacted>", "--token=<redacted>", "--name", "x");
    }

    @Test
    void leavesOrdinaryArgumentsAlone() {
        List<String> args = List.of("qemu-system-x86_64", "-m", "4096", "-netdev", "tap,id=n0,vhost=on");
        assertThat(Redactor.redact(args).args()).isEqualTo(args);
        assertThat(Redactor.redact(args).changes()).isEmpty();
    }
}
