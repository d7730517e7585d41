/**
 * Virtual machines: the VM model read from QEMU's argv or libvirt's domain XML, VM discovery on
 * a host, each VM's threads by role (vCPU, iothread, emulator, vhost), and the qcow2 header.
 */
package dev.kvmtune.facts.vm;
