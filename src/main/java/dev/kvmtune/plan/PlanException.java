package dev.kvmtune.plan;

import dev.kvmtune.BadInputException;

/** A request the host cannot satisfy; the message names the resource that is short. Exit code 2. */
public final class PlanException extends BadInputException {
    public PlanException(String message) {
        super(message);
    }
}
