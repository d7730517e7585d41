package dev.kvmtune.facts.vm;

import dev.kvmtune.BadInputException;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Reads a libvirt domain XML (https://libvirt.org/formatdomain.html) into the same {@link Vm}
 * model as a QEMU command line: a defined domain ({@code /etc/libvirt/qemu/NAME.xml},
 * {@code virsh dumpxml}) or a running domain's status file ({@code /run/libvirt/qemu/NAME.xml},
 * {@code <domstatus pid=...>} around the domain). libvirt's spellings become QEMU's:
 * {@code <apic eoi='on'/>} is CPU flag kvm-pv-eoi, {@code <pmu state='off'/>} is pmu=off,
 * {@code <timer name='kvmclock' present='no'/>} is -kvmclock. DTDs and external entities are refused.
 */
public final class DomainXml {
    private DomainXml() {
    }

    /** Parses the text; a malformed document is a {@link BadInputException} naming the file and line. */
    public static Vm parse(String xml, String source) {
        Document doc = document(xml, source);
        Element root = doc.getDocumentElement();
        Integer pid = null;
        String monitor = null;
        Element domain = root;
        if (root.getTagName().equals("domstatus")) {
            pid = intOrNull(root.getAttribute("pid"));
            Element mon = child(root, "monitor");
            if (mon != null && !mon.getAttribute("path").isEmpty()) monitor = mon.getAttribute("path");
            domain = child(root, "domain");
            if (domain == null) throw new BadInputException(source + ": <domstatus> without a <domain> element");
        }
        if (!domain.getTagName().equals("domain")) {
            throw new BadInputException(source + ": the document element is <" + domain.getTagName() + ">, not a libvirt <domain>");
        }
        return read(domain, pid, monitor, source);
    }

    public static Document document(String xml, String source) {
        try {
            // the JDK's own parser, by name: newInstance() first searches every jar of the class path for another one,
            // opening all 22 (facts on a host with a VM 0.304 -> 0.292 s, audit 0.316 -> 0.291 s; bench/README), and a
            // jar there could have put a parser of its own in the way
            DocumentBuilderFactory f = DocumentBuilderFactory.newDefaultInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler());
            return b.parse(new InputSource(new StringReader(xml)));
        } catch (SAXParseException e) {
            throw BadInputException.at(source, Math.max(e.getLineNumber(), 1), "not well-formed XML: " + e.getMessage());
        } catch (SAXException | IOException | ParserConfigurationException e) {
            throw new BadInputException(source + ": cannot read XML: " + e.getMessage(), e);
        }
    }

    private static Vm read(Element d, Integer pid, String monitor, String source) {
        List<String> notUnderstood = new ArrayList<>();
        String type = d.getAttribute("type");
        String accel = switch (type) {
            case "kvm" -> "kvm";
            case "qemu" -> "tcg";
            default -> type.isEmpty() ? null : type;
        };
        String name = text(child(d, "name"));
        Element os = child(d, "os");
        String machine = os == null || child(os, "type") == null ? null : attr(child(os, "type"), "machine");

        Element vcpu = child(d, "vcpu");
        int vcpus = vcpu == null ? 1 : intOr(text(vcpu), 1);
        int current = vcpu == null ? vcpus : intOr(vcpu.getAttribute("current"), vcpus);
        CpuSet vcpuDefault = vcpu == null ? null : cpuSet(attr(vcpu, "cpuset"), source, notUnderstood);

        // CPU model, flags, topology, guest NUMA
        Map<String, Boolean> flags = new TreeMap<>();
        String model = null;
        Vm.Topology smp = new Vm.Topology(current, vcpus, 0, 0, 0, 0);
        List<Vm.NumaCell> numa = new ArrayList<>();
        Element cpu = child(d, "cpu");
        if (cpu != null) {
            String mode = cpu.getAttribute("mode");
            Element m = child(cpu, "model");
            model = mode.isEmpty() || mode.equals("custom") ? (m == null ? null : text(m)) : mode;
            for (Element f : children(cpu, "feature")) {
                String policy = f.getAttribute("policy");
                String fname = Vm.CpuModel.canonical(f.getAttribute("name"));
                if (policy.equals("require") || policy.equals("force") || policy.isEmpty()) flags.put(fname, true);
                else if (policy.equals("disable") || policy.equals("forbid")) flags.put(fname, false);
            }
            Element topo = child(cpu, "topology");
            if (topo != null) {
                smp = new Vm.Topology(current, vcpus, intOr(topo.getAttribute("sockets"), 0), intOr(topo.getAttribute("dies"), 0),
                        intOr(topo.getAttribute("cores"), 0), intOr(topo.getAttribute("threads"), 0));
            }
            Element numaEl = child(cpu, "numa");
            if (numaEl != null) {
                for (Element cell : children(numaEl, "cell")) {
                    numa.add(new Vm.NumaCell(intOr(cell.getAttribute("id"), numa.size()),
                            cpuSet(attr(cell, "cpus"), source, notUnderstood),
                            bytes(attr(cell, "memory"), attr(cell, "unit")), null, null));
                }
            }
        }
        Map<String, Boolean> features = new TreeMap<>();
        Element feat = child(d, "features");
        if (feat != null) {
            Element apic = child(feat, "apic");
            if (apic != null && !apic.getAttribute("eoi").isEmpty()) flags.put("kvm-pv-eoi", "on".equals(apic.getAttribute("eoi")));
            Element pmu = child(feat, "pmu");
            if (pmu != null) flags.put("pmu", !"off".equals(pmu.getAttribute("state")));
            Element kvm = child(feat, "kvm");
            if (kvm != null) {
                for (Element k : children(kvm, null)) {
                    if (!k.getAttribute("state").isEmpty()) {
                        flags.put("kvm-" + Vm.CpuModel.canonical(k.getTagName()), "on".equals(k.getAttribute("state")));
                    }
                }
            }
            for (Element f : children(feat, null)) {
                String state = f.getAttribute("state");
                if (f.getTagName().equals("pmu") || f.getTagName().equals("kvm")) continue;
                features.put(Vm.CpuModel.canonical(f.getTagName()), state.isEmpty() || state.equals("on"));
            }
        }

        // clock timers
        Map<String, Boolean> timers = new TreeMap<>();
        Element clock = child(d, "clock");
        if (clock != null) {
            for (Element t : children(clock, "timer")) {
                timers.put(t.getAttribute("name"), !"no".equals(t.getAttribute("present")));
            }
        }
        if (timers.containsKey("kvmclock")) flags.put("kvmclock", timers.get("kvmclock"));

        // memory
        Long memBytes = bytes(text(child(d, "memory")), child(d, "memory") == null ? null : attr(child(d, "memory"), "unit"));
        Vm.Memory memory = memory(d, memBytes, source, notUnderstood);

        // iothreads
        List<String> iothreads = new ArrayList<>();
        Element ioids = child(d, "iothreadids");
        if (ioids != null) {
            for (Element t : children(ioids, "iothread")) iothreads.add("iothread" + t.getAttribute("id"));
        } else {
            int n = intOr(text(child(d, "iothreads")), 0);
            for (int i = 1; i <= n; i++) iothreads.add("iothread" + i);
        }

        Vm.Pinning pinning = pinning(d, vcpuDefault, source, notUnderstood);

        // devices
        List<Vm.Nic> nics = new ArrayList<>();
        List<Vm.Disk> disks = new ArrayList<>();
        List<String> usb = new ArrayList<>();
        String balloon = "virtio-balloon (libvirt default)";
        String display = null;
        String binary = null;
        Element devices = child(d, "devices");
        if (devices != null) {
            binary = text(child(devices, "emulator"));
            boolean virtioScsi = false;
            for (Element c : children(devices, "controller")) {
                String ct = c.getAttribute("type");
                if (ct.equals("scsi") && c.getAttribute("model").equals("virtio-scsi")) virtioScsi = true;
                if (ct.equals("usb") && !c.getAttribute("model").equals("none")) {
                    usb.add(c.getAttribute("model").isEmpty() ? "usb controller" : c.getAttribute("model"));
                }
            }
            for (Element disk : children(devices, "disk")) disks.add(disk(disk, virtioScsi));
            for (Element i : children(devices, "interface")) nics.add(nic(i));
            Element mb = child(devices, "memballoon");
            if (mb != null) balloon = mb.getAttribute("model").equals("none") ? null : "virtio-balloon";
            Element g = child(devices, "graphics");
            display = g == null ? "none" : g.getAttribute("type");
            for (Element in : children(devices, "input")) {
                if (in.getAttribute("bus").equals("usb")) usb.add("usb-" + in.getAttribute("type"));
            }
        }
        List<String> qmp = monitor == null ? List.of() : List.of(monitor);
        return new Vm(name, pid, source, source, binary, accel, machine, new Vm.CpuModel(model, flags), smp, memory, numa,
                nics, disks, iothreads, balloon, usb, display, qmp, List.of(), pinning, timers, features.isEmpty() ? null : features,
                notUnderstood);
    }

    private static Vm.Memory memory(Element d, Long bytes, String source, List<String> notUnderstood) {
        Element mb = child(d, "memoryBacking");
        Boolean huge = false;
        Long pageSize = null;
        Boolean locked = null;
        Boolean share = null;
        Boolean prealloc = null;
        String backend = "ram";
        CpuSet pageNodes = null;
        if (mb != null) {
            Element hp = child(mb, "hugepages");
            if (hp != null) {
                huge = true;
                backend = "file";
                Element page = child(hp, "page");
                if (page != null) {
                    pageSize = bytes(page.getAttribute("size"), page.getAttribute("unit").isEmpty() ? "KiB" : page.getAttribute("unit"));
                    pageNodes = cpuSet(attr(page, "nodeset"), source, notUnderstood);
                }
            }
            if (child(mb, "locked") != null) locked = true;
            Element src = child(mb, "source");
            if (src != null && !src.getAttribute("type").isEmpty()) backend = src.getAttribute("type").equals("anonymous") ? "ram" : src.getAttribute("type");
            Element access = child(mb, "access");
            if (access != null) share = access.getAttribute("mode").equals("shared");
            Element alloc = child(mb, "allocation");
            if (alloc != null) prealloc = alloc.getAttribute("mode").equals("immediate");
        }
        CpuSet nodes = null;
        String policy = null;
        Element nt = child(d, "numatune");
        if (nt != null && child(nt, "memory") != null) {
            Element m = child(nt, "memory");
            nodes = cpuSet(attr(m, "nodeset"), source, notUnderstood);
            policy = m.getAttribute("mode").isEmpty() ? "strict" : m.getAttribute("mode");
        }
        if (nodes == null) nodes = pageNodes;
        return new Vm.Memory(bytes, backend, null, huge, pageSize, prealloc, share, nodes, policy, locked, null);
    }

    private static Vm.Pinning pinning(Element d, CpuSet vcpuDefault, String source, List<String> notUnderstood) {
        Element ct = child(d, "cputune");
        if (ct == null && vcpuDefault == null) return null;
        Map<Integer, CpuSet> vcpupin = new TreeMap<>();
        Map<String, CpuSet> iothreadpin = new LinkedHashMap<>();
        Map<Integer, String> sched = new TreeMap<>();
        CpuSet emulator = null;
        if (ct != null) {
            for (Element p : children(ct, "vcpupin")) {
                CpuSet s = cpuSet(attr(p, "cpuset"), source, notUnderstood);
                Integer v = intOrNull(p.getAttribute("vcpu"));
                if (s != null && v != null) vcpupin.put(v, s);
            }
            Element ep = child(ct, "emulatorpin");
            if (ep != null) emulator = cpuSet(attr(ep, "cpuset"), source, notUnderstood);
            for (Element p : children(ct, "iothreadpin")) {
                CpuSet s = cpuSet(attr(p, "cpuset"), source, notUnderstood);
                if (s != null) iothreadpin.put("iothread" + p.getAttribute("iothread"), s);
            }
            for (Element s : children(ct, "vcpusched")) {
                CpuSet which = cpuSet(attr(s, "vcpus"), source, notUnderstood);
                String pol = s.getAttribute("scheduler") + (s.getAttribute("priority").isEmpty() ? "" : ":" + s.getAttribute("priority"));
                if (which != null) which.forEachCpu(v -> sched.put(v, pol));
            }
        }
        return new Vm.Pinning(vcpupin, emulator, iothreadpin, sched, vcpuDefault);
    }

    private static Vm.Disk disk(Element disk, boolean virtioScsi) {
        Element target = child(disk, "target");
        Element driver = child(disk, "driver");
        Element src = child(disk, "source");
        String bus = target == null ? null : target.getAttribute("bus");
        String mapped = bus == null ? null : switch (bus) {
            case "virtio" -> "virtio-blk";
            case "scsi" -> virtioScsi ? "virtio-scsi" : "scsi";
            case "fdc" -> "floppy";
            default -> bus;
        };
        String file = null;
        if (src != null) {
            for (String a : List.of("file", "dev", "name", "dir", "volume")) {
                if (!src.getAttribute(a).isEmpty()) {
                    file = src.getAttribute(a);
                    break;
                }
            }
        }
        String cache = driver == null ? null : attr(driver, "cache");
        Boolean direct = cache == null ? null : (cache.equals("none") || cache.equals("directsync"));
        Long l2 = null;
        if (driver != null) {
            Element mc = child(driver, "metadata_cache");
            Element max = mc == null ? null : child(mc, "max_size");
            if (max != null) l2 = bytes(text(max), max.getAttribute("unit").isEmpty() ? "bytes" : max.getAttribute("unit"));
        }
        String iothread = driver == null || driver.getAttribute("iothread").isEmpty() ? null : "iothread" + driver.getAttribute("iothread");
        return new Vm.Disk(target == null ? null : target.getAttribute("dev"), mapped, bus, file,
                driver == null ? null : attr(driver, "type"), cache, direct, driver == null ? null : attr(driver, "io"), iothread, l2,
                null, null, disk.getAttribute("device").equals("cdrom"));
    }

    private static Vm.Nic nic(Element i) {
        Element model = child(i, "model");
        Element driver = child(i, "driver");
        String m = model == null ? null : model.getAttribute("type");
        if ("virtio".equals(m)) m = "virtio-net-pci";
        Boolean vhost = null;
        Integer queues = null;
        if (driver != null) {
            if (driver.getAttribute("name").equals("vhost")) vhost = true;
            else if (driver.getAttribute("name").equals("qemu")) vhost = false;
            queues = intOrNull(driver.getAttribute("queues"));
        }
        String type = i.getAttribute("type");
        if (type.equals("vhostuser")) vhost = true;
        Element mac = child(i, "mac");
        Element target = child(i, "target");
        String id = target != null ? target.getAttribute("dev") : mac != null ? mac.getAttribute("address") : null;
        return new Vm.Nic(id, m, type, vhost, queues);
    }

    // ---- DOM helpers

    static Element child(Element e, String name) {
        if (e == null) return null;
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && (name == null || c.getTagName().equals(name))) return c;
        }
        return null;
    }

    static List<Element> children(Element e, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && (name == null || c.getTagName().equals(name))) out.add(c);
        }
        return out;
    }

    private static String text(Element e) {
        return e == null ? null : e.getTextContent().strip();
    }

    private static String attr(Element e, String name) {
        String v = e.getAttribute(name);
        return v.isEmpty() ? null : v;
    }

    private static CpuSet cpuSet(String v, String source, List<String> notUnderstood) {
        if (v == null) return null;
        try {
            return CpuSet.parseList(v);
        } catch (IllegalArgumentException e) {
            notUnderstood.add(source + ": CPU or node set '" + v + "' does not parse");
            return null;
        }
    }

    /** libvirt's scaled integers (formatdomain.html "Memory Allocation"): default unit KiB. */
    static Long bytes(String value, String unit) {
        if (value == null || value.isEmpty()) return null;
        OptionalLong parsed = Numbers.parseLong(value);
        if (parsed.isEmpty()) return null;
        long n = parsed.getAsLong();
        String u = unit == null ? "kib" : unit.toLowerCase(Locale.ROOT);
        long mult = switch (u) {
            case "b", "bytes" -> 1;
            case "kb" -> 1000L;
            case "k", "kib" -> 1024L;
            case "mb" -> 1000_000L;
            case "m", "mib" -> 1L << 20;
            case "gb" -> 1000_000_000L;
            case "g", "gib" -> 1L << 30;
            case "tb" -> 1000_000_000_000L;
            case "t", "tib" -> 1L << 40;
            default -> -1;
        };
        if (mult < 0) return null;
        try {
            return Math.multiplyExact(n, mult);
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private static int intOr(String v, int fallback) {
        Integer i = intOrNull(v);
        return i == null ? fallback : i;
    }

    private static Integer intOrNull(String v) {
        OptionalLong n = Numbers.parseLong(v);
        return n.isPresent() && n.getAsLong() == (int) n.getAsLong() ? (int) n.getAsLong() : null;
    }
}
