/**
 * kvmtune: collect facts about a KVM host, audit them against a profile, plan, apply and measure.
 * This package holds what every layer shares: exit codes and the domain exceptions that carry them.
 */
package dev.kvmtune;
