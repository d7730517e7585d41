/**
 * A QMP client: the greeting, capabilities negotiation and the commands kvmtune sends over a
 * QEMU monitor socket, with bounded reads.
 */
package dev.kvmtune.facts.vm.qmp;
