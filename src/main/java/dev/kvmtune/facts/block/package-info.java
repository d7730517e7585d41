/**
 * Block devices from {@code sys/block}: the queue settings that matter to guests' disks.
 */
package dev.kvmtune.facts.block;
