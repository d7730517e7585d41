package dev.kvmtune.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.vm.DomainXml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class VmRequestTest {
    @Test
    void parsesTheIssueExamples() {
        VmRequest rt = VmRequest.parse("name=rt1,vcpus=4,memory=16G,rt");
        assertThat(rt).isEqualTo(new VmRequest("rt1", 4, 16L << 30, true, null, 0, 0, List.of()));
        VmRequest web = VmRequest.parse("name=web,vcpus=2,memory=4G,node=1,hugepages=2M,disk=/var/lib/a.qcow2,iothreads=2");
        assertThat(web.rt()).isFalse();
        assertThat(web.node()).isEqualTo(1);
        assertThat(web.hugepages()).isEqualTo(2048);
        assertThat(web.disks()).containsExactly("/var/lib/a.qcow2");
        assertThat(VmRequest.parse("name=x,vcpus=1,memory=512M,rt=off,hugepages=none").hugepages()).isEqualTo(-1);
    }

    @Test
    void badSpecsNameTheKey() {
        assertThatThrownBy(() -> VmRequest.parse("vcpus=2,memory=1G")).isInstanceOf(BadInputException.class).hasMessageContaining("name= is missing");
        assertThatThrownBy(() -> VmRequest.parse("name=a,vcpus=zero,memory=1G")).hasMessageContaining("vcpus=zero is not a number");
        assertThatThrownBy(() -> VmRequest.parse("name=a,vcpus=2,memory=lots")).hasMessageContaining("memory=lots is not a size");
        assertThatThrownBy(() -> VmRequest.parse("name=a,vcpus=2,memory=99999999999999999999G")).hasMessageContaining("is not a size");
        assertThatThrownBy(() -> VmRequest.parse("name=a,color=red")).hasMessageContaining("unknown key 'color'");
        assertThatThrownBy(() -> VmRequest.parse("name=../etc,vcpus=1,memory=1G")).hasMessageContaining("must be letters");
        assertThatThrownBy(() -> VmRequest.parse("name=a,hugepages=4K")).hasMessageContaining("not 1G, 2M or none");
        assertThatThrownBy(() -> VmRequest.parse("name=a,memory=1G").complete(null)).hasMessageContaining("vcpus= is missing");
    }

    @Test
    void theDomainXmlFillsWhatTheRequestLeavesOut() throws Exception {
        String xml = Files.readString(Path.of("src/test/resources/dev/kvmtune/libvirt/legacy.xml"));
        VmRequest r = VmRequest.parse("name=legacy,rt").complete(DomainXml.parse(xml, "legacy.xml"));
        assertThat(r.vcpus()).isEqualTo(4);
        assertThat(r.memoryBytes()).isEqualTo(2L << 30);
        assertThat(r.disks()).containsExactly("/var/lib/libvirt/images/legacy.img", "/var/lib/libvirt/images/data.qcow2");
        assertThat(r.iothreads()).isEqualTo(1);
        assertThat(VmRequest.parse("name=legacy,vcpus=2,memory=1G").complete(DomainXml.parse(xml, "legacy.xml")).vcpus()).isEqualTo(2);
    }
}
