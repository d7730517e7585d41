package dev.kvmtune.testing;

import java.util.Map;
import java.util.TreeMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints one line at the end of a test run: how many tests were skipped, grouped by reason, so
 * that a green run on a machine without KVM (or without a package) says what it did not check.
 * Registered through META-INF/services; surefire and failsafe each print their own line.
 */
public final class SkipSummary implements TestExecutionListener {
    private final Map<String, Integer> reasons = new TreeMap<>();
    private int tests;

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        reasons.merge(oneLine(reason), 1, Integer::sum);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (!test.isTest()) return;
        tests++;
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            String why = result.getThrowable().map(Throwable::getMessage).orElse("aborted without a reason");
            reasons.merge(oneLine(why), 1, Integer::sum);
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        if (tests == 0 && reasons.isEmpty()) return;
        int skipped = reasons.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder line = new StringBuilder("kvmtune tests: ").append(tests).append(" run, ").append(skipped).append(" skipped");
        if (skipped > 0) {
            line.append(" —");
            String sep = " ";
            for (Map.Entry<String, Integer> e : reasons.entrySet()) {
                line.append(sep).append(e.getValue()).append("x ").append(e.getKey());
                sep = "; ";
            }
        }
        System.out.println(line);
    }

    private static String oneLine(String reason) {
        if (reason == null || reason.isBlank()) return "no reason given";
        // JUnit prefixes assumption messages; the reason itself is what a reader needs.
        String r = reason.replaceFirst("^Assumption failed: ", "").strip();
        int nl = r.indexOf('\n');
        return nl < 0 ? r : r.substring(0, nl) + " …";
    }
}
