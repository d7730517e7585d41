/**
 * One pure renderer per kind of file a plan writes: kernel command line, sysctl.d, modprobe.d,
 * irqbalance, systemd, a tuned profile, libvirt domain XML, QEMU arguments and pin script, the guest's
 * files, qcow2 cache sizes.
 */
package dev.kvmtune.plan.render;
