package dev.kvmtune.plan.render;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.vm.DomainXml;
import dev.kvmtune.facts.vm.Qcow2;
import dev.kvmtune.plan.Partition;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.Planner;
import dev.kvmtune.util.Numbers;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * libvirt domain XML (https://libvirt.org/formatdomain.html) for each VM of the plan: the domain
 * given with {@code --xml} patched, with everything the plan does not own left as it was, or, without
 * one, a minimal domain that carries the plan's elements and is valid on its own. The plan owns:
 * vcpupin, emulatorpin, iothreadpin, vcpusched, numatune, memoryBacking hugepages (and locked for
 * realtime VMs), the CPU mode and topology, kvmclock, apic eoi, pmu, the KVM dedicated hint, the
 * balloon, the disk driver's cache/io/iothread/metadata cache and the interface driver.
 */
public final class LibvirtDomainRenderer {
    /** Multiqueue virtio-net: one queue pair per vCPU, at most this many. */
    static final int MAX_QUEUES = 8;

    private LibvirtDomainRenderer() {
    }

    public static List<RenderedFile> render(Plan plan, RenderInputs inputs) {
        List<RenderedFile> out = new ArrayList<>();
        for (Partition.VmPlacement vm : plan.partition().vms()) {
            RenderInputs.Domain given = inputs.domains().get(vm.name());
            String arch = plan.host().arch() == null ? "x86_64" : plan.host().arch();
            Document doc = given == null ? skeleton(vm, arch) : DomainXml.document(given.xml(), given.source());
            Element d = doc.getDocumentElement();
            if (!d.getTagName().equals("domain")) throw new BadInputException(given.source() + ": the document element is <" + d.getTagName() + ">, not <domain>");
            // 'virsh dumpxml' of a running domain carries its run id; a definition has none
            d.removeAttribute("id");
            d.insertBefore(doc.createComment(" " + (given == null ? "Minimal domain for" : "Patched from " + given.source() + " for") + " kvmtune plan "
                    + plan.profile() + ": " + summary(vm) + " "), d.getFirstChild());
            patch(doc, d, vm, inputs, given, arch.equals("x86_64"));
            out.add(RenderedFile.text("libvirt/" + vm.name() + ".xml", serialize(doc)));
        }
        return out;
    }

    static String summary(Partition.VmPlacement vm) {
        return vm.vcpus() + (vm.vcpus() == 1 ? " vCPU " : " vCPUs ") + (vm.rt() ? "pinned to " + join(vm.vcpuPins()) : "on CPUs " + vm.vcpuCpus().toList())
                + (vm.node() == null ? "" : ", node " + vm.node())
                + (vm.hugepageKb() == 0 ? "" : ", " + vm.hugepageCount() + " x " + vm.hugepageKb() + " KiB hugepages");
    }

    private static String join(List<Integer> l) {
        return String.join(",", l.stream().map(String::valueOf).toList());
    }

    /** A minimal domain of the host's architecture: q35 on x86, the virt board with the host's GIC on arm64, pseries on POWER. */
    private static Document skeleton(Partition.VmPlacement vm, String arch) {
        String disks = "";
        for (int i = 0; i < vm.disks().size(); i++) {
            String file = vm.disks().get(i);
            disks += "<disk type='file' device='disk'><driver name='qemu' type='" + (file.endsWith(".qcow2") ? "qcow2" : "raw") + "'/>"
                    + "<source file='" + xmlAttr(file) + "'/><target dev='vd" + (char) ('a' + i) + "' bus='virtio'/></disk>";
        }
        String xml = "<domain type='kvm'><name>" + vm.name() + "</name><memory unit='KiB'>" + vm.memoryKb() + "</memory>"
                + "<vcpu placement='static'>" + vm.vcpus() + "</vcpu><os><type arch='" + arch + "' machine='"
                + (arch.equals("aarch64") ? "virt" : arch.equals("ppc64le") ? "pseries" : "q35") + "'>hvm</type></os>"
                + (arch.equals("aarch64") ? "<features><gic version='host'/></features>" : arch.equals("x86_64") ? "<features><acpi/></features>" : "")
                + "<clock offset='utc'/><devices>" + disks + "</devices></domain>";
        return DomainXml.document(xml, "skeleton of " + vm.name());
    }

    private static void patch(Document doc, Element d, Partition.VmPlacement vm, RenderInputs inputs, RenderInputs.Domain given, boolean x86) {
        boolean skeleton = given == null;
        // <vcpu>: non-realtime VMs float over their CPU set; realtime ones are pinned per vCPU below.
        // The plan's size wins over the domain's: the pins and the guest topology are made for it.
        boolean resized = false;
        Element vcpu = ensure(d, "vcpu");
        if (!vcpu.getTextContent().strip().equals(String.valueOf(vm.vcpus()))) {
            resized = !skeleton;
            vcpu.setTextContent(String.valueOf(vm.vcpus()));
            vcpu.removeAttribute("current");
        }
        vcpu.setAttribute("placement", "static");
        if (!skeleton) {
            Long bytes = given.vm().memory() == null ? null : given.vm().memory().bytes();
            if (bytes == null || bytes / 1024 != vm.memoryKb()) {
                resized = true;
                for (String tag : List.of("memory", "currentMemory")) {
                    Element m = child(d, tag);
                    if (m == null && tag.equals("currentMemory")) continue;
                    if (m == null) m = add(d, tag);
                    m.setAttribute("unit", "KiB");
                    m.setTextContent(String.valueOf(vm.memoryKb()));
                }
            }
        }
        vcpu.setAttribute("cpuset", vm.vcpuCpus().toList());

        int iothreads = vm.iothreads();
        if (iothreads > 0) {
            Element io = ensure(d, "iothreads");
            int have = (int) Math.max(0, Math.min(Integer.MAX_VALUE, Numbers.parseLong(io.getTextContent(), 0)));
            io.setTextContent(String.valueOf(Math.max(have, iothreads)));
            iothreads = Math.max(have, iothreads);
        }

        Element cputune = ensure(d, "cputune");
        for (String n : List.of("vcpupin", "emulatorpin", "iothreadpin", "vcpusched")) removeAll(cputune, n);
        if (vm.rt()) {
            for (int i = 0; i < vm.vcpuPins().size(); i++) {
                Element pin = add(cputune, "vcpupin");
                pin.setAttribute("vcpu", String.valueOf(i));
                pin.setAttribute("cpuset", String.valueOf(vm.vcpuPins().get(i)));
            }
        }
        Element emu = add(cputune, "emulatorpin");
        emu.setAttribute("cpuset", vm.emulatorCpus().toList());
        for (int i = 1; i <= iothreads; i++) {
            Element p = add(cputune, "iothreadpin");
            p.setAttribute("iothread", String.valueOf(i));
            p.setAttribute("cpuset", vm.emulatorCpus().toList());
        }
        if (vm.rt()) {
            Element s = add(cputune, "vcpusched");
            s.setAttribute("vcpus", vcpuRange(vm));
            s.setAttribute("scheduler", "fifo");
            s.setAttribute("priority", String.valueOf(Planner.VCPU_FIFO_PRIORITY));
        }

        // Guest NUMA cells (kept if the domain has them; a minimal domain gets one cell, all on the host node).
        Element cpu = ensure(d, "cpu");
        if ("qemu".equals(d.getAttribute("type"))) {
            // type='qemu' is TCG: QEMU emulates the CPU and cannot pass the host's through ("host-passthrough" fails to start);
            // the domain's own model stays, only the topology follows the plan
            cpu.getParentNode().insertBefore(doc.createComment(" CPU model kept: a type='qemu' (TCG) domain cannot use host-passthrough; "
                    + "with /dev/kvm, type='kvm' and mode='host-passthrough' give the guest the host's CPU "), cpu);
            if (!cpu.hasAttribute("mode")) cpu.setAttribute("mode", "custom");
        } else {
            cpu.setAttribute("mode", "host-passthrough");
            cpu.setAttribute("check", "none");
            removeAll(cpu, "model");
            removeAll(cpu, "vendor");
        }
        Element topo = ensure(cpu, "topology");
        topo.setAttribute("sockets", "1");
        topo.setAttribute("dies", "1");
        topo.setAttribute("cores", String.valueOf(vm.vcpus()));
        topo.setAttribute("threads", "1");
        Element numa = child(cpu, "numa");
        List<String> cells = new ArrayList<>();
        if (numa != null && resized) {
            // The domain's guest cells describe another size; one cell holds the resized VM, which sits on one host node.
            cpu.insertBefore(doc.createComment(" guest NUMA cells replaced: the domain's cells described another vCPU count or memory size "), numa);
            cpu.removeChild(numa);
            numa = null;
        }
        if (numa == null && (skeleton || resized) && vm.node() != null) {
            numa = add(cpu, "numa");
            Element cell = add(numa, "cell");
            cell.setAttribute("id", "0");
            cell.setAttribute("cpus", vcpuRange(vm));
            cell.setAttribute("memory", String.valueOf(vm.memoryKb()));
            cell.setAttribute("unit", "KiB");
        }
        if (numa != null) for (Element c : children(numa, "cell")) cells.add(c.getAttribute("id"));

        if (vm.node() != null) {
            Element nt = ensure(d, "numatune");
            removeAll(nt, "memory");
            removeAll(nt, "memnode");
            Element mem = add(nt, "memory");
            mem.setAttribute("mode", "strict");
            mem.setAttribute("nodeset", String.valueOf(vm.node()));
        }

        Element mb = child(d, "memoryBacking");
        if (vm.hugepageKb() > 0 || vm.rt()) {
            if (mb == null) mb = add(d, "memoryBacking");
            removeAll(mb, "hugepages");
            removeAll(mb, "nosharepages");
            if (vm.hugepageKb() > 0) {
                Element hp = add(mb, "hugepages");
                Element page = add(hp, "page");
                page.setAttribute("size", String.valueOf(vm.hugepageKb()));
                page.setAttribute("unit", "KiB");
                if (!cells.isEmpty()) page.setAttribute("nodeset", String.join(",", cells));
            }
            if (vm.rt() && child(mb, "locked") == null) {
                mb.appendChild(doc.createComment(" locked: the host never swaps or reclaims this guest's memory, so no page fault"
                        + " stalls a vCPU. Risk: the memory is gone from the host for the VM's lifetime, and libvirt lifts the"
                        + " memlock limit for QEMU; set <memtune><hard_limit> to bound it. "));
                add(mb, "locked");
            }
        }

        Element features = ensure(d, "features");
        if (x86) {
            // PV EOI, the dedicated-vCPU hint and kvmclock are x86 KVM's paravirtual features
            Element apic = ensure(features, "apic");
            apic.setAttribute("eoi", "on");
        }
        Element pmu = ensure(features, "pmu");
        pmu.setAttribute("state", vm.rt() ? "off" : pmu.getAttribute("state").isEmpty() ? "on" : pmu.getAttribute("state"));
        if (vm.rt() && x86) {
            Element kvm = ensure(features, "kvm");
            Element hint = ensure(kvm, "hint-dedicated");
            hint.setAttribute("state", "on");
        }

        Element clock = ensure(d, "clock");
        if (clock.getAttribute("offset").isEmpty()) clock.setAttribute("offset", "utc");
        if (x86) {
            Element kvmclock = null;
            for (Element t : children(clock, "timer")) if (t.getAttribute("name").equals("kvmclock")) kvmclock = t;
            if (kvmclock == null) {
                kvmclock = add(clock, "timer");
                kvmclock.setAttribute("name", "kvmclock");
            }
            // Realtime guests read the TSC directly (seed 002); others keep kvmclock.
            kvmclock.setAttribute("present", vm.rt() ? "no" : "yes");
        }

        Element devices = ensure(d, "devices");
        removeAll(devices, "memballoon");
        Element balloon = add(devices, "memballoon");
        balloon.setAttribute("model", "none");
        for (Element disk : children(devices, "disk")) {
            if (!disk.getAttribute("device").isEmpty() && !disk.getAttribute("device").equals("disk")) continue;
            Element drv = ensure(disk, "driver");
            if (drv.getAttribute("name").isEmpty()) drv.setAttribute("name", "qemu");
            drv.setAttribute("cache", "none");
            drv.setAttribute("io", "native");
            if (iothreads > 0) drv.setAttribute("iothread", "1");
            Element src = child(disk, "source");
            Qcow2 q = src == null ? null : inputs.images().get(src.getAttribute("file"));
            if (q != null) {
                removeAll(drv, "metadata_cache");
                Element mc = add(drv, "metadata_cache");
                Element max = add(mc, "max_size");
                max.setAttribute("unit", "bytes");
                max.setTextContent(String.valueOf(q.l2CacheFull()));
            }
            disk.insertBefore(doc.createComment(" cache=none io=native: the host page cache is bypassed (O_DIRECT), so a write the guest"
                    + " flushed is on the device; writeback is faster for reads but loses data on host crash without guest flushes "), drv);
        }
        for (Element nic : children(devices, "interface")) {
            Element model = ensure(nic, "model");
            if (!model.getAttribute("type").equals("virtio")) {
                nic.insertBefore(doc.createComment(" model was " + (model.getAttribute("type").isEmpty() ? "the default" : model.getAttribute("type"))
                        + "; virtio needs the guest's virtio-net driver "), model);
                model.setAttribute("type", "virtio");
            }
            if (nic.getAttribute("type").equals("user")) continue;
            Element drv = ensure(nic, "driver");
            drv.setAttribute("name", "vhost");
            int queues = Math.min(vm.vcpus(), MAX_QUEUES);
            if (queues > 1) drv.setAttribute("queues", String.valueOf(queues));
        }
    }

    /** vCPUs 0..n-1 as libvirt and QEMU write a CPU list. */
    static String vcpuRange(Partition.VmPlacement vm) {
        return vm.vcpus() == 1 ? "0" : "0-" + (vm.vcpus() - 1);
    }

    private static String xmlAttr(String s) {
        return s.replace("&", "&amp;").replace("'", "&apos;").replace("<", "&lt;");
    }

    static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) return e;
        }
        return null;
    }

    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) out.add(e);
        }
        return out;
    }

    private static Element ensure(Element parent, String name) {
        Element e = child(parent, name);
        return e != null ? e : add(parent, name);
    }

    private static Element add(Element parent, String name) {
        Element e = parent.getOwnerDocument().createElement(name);
        parent.appendChild(e);
        return e;
    }

    private static void removeAll(Element parent, String name) {
        for (Element e : children(parent, name)) parent.removeChild(e);
    }

    /** Re-indents the whole document by two spaces; element and comment content is kept as it was. */
    static String serialize(Document doc) {
        stripWhitespace(doc.getDocumentElement());
        try {
            TransformerFactory tf = TransformerFactory.newDefaultInstance();
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer t = tf.newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            t.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(w));
            String s = w.toString().replace("\r\n", "\n");
            return s.endsWith("\n") ? s : s + "\n";
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot write domain XML", e);
        }
    }

    /** Drops the indentation between child nodes (text content such as {@code <name>rt1</name>} stays). */
    private static void stripWhitespace(Element e) {
        NodeList kids = e.getChildNodes();
        boolean hasChildNodes = false;
        for (int i = 0; i < kids.getLength(); i++) {
            short type = kids.item(i).getNodeType();
            hasChildNodes |= type == Node.ELEMENT_NODE || type == Node.COMMENT_NODE;
        }
        for (int i = kids.getLength() - 1; i >= 0; i--) {
            Node n = kids.item(i);
            if (n.getNodeType() == Node.TEXT_NODE && hasChildNodes && n.getTextContent().isBlank()) e.removeChild(n);
            else if (n instanceof Element c) stripWhitespace(c);
        }
    }
}
