package dev.kvmtune.plan.render;

import dev.kvmtune.plan.Plan;

/** The comment every rendered file starts with: what made it, from what. No timestamp, so renders are reproducible. */
final class Header {
    private Header() {
    }

    static String lines(String prefix, Plan plan, String what) {
        return prefix + " " + what + "\n"
                + prefix + " Written by kvmtune plan (profile " + plan.profile() + ") for " + plan.root() + "; housekeeping CPUs "
                + plan.partition().housekeeping().toList() + (plan.partition().isolated().isEmpty() ? "" : ", isolated CPUs " + plan.partition().isolated().toList())
                + ".\n";
    }
}
