package dev.kvmtune.rules.checks;

import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import java.util.List;

/** A check across settings or layers, with a stable dotted id. */
public interface Rule {
    String id();

    List<Finding> check(AuditContext ctx);
}
