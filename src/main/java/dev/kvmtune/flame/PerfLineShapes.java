package dev.kvmtune.flame;

/**
 * stackcollapse-perf.pl's three line regexes, matched in linear time with the same groups as the
 * backtracking engine gives them. The regexes themselves (kept in {@link PerfCollapse} and in the
 * property test that compares the two) backtrack quadratically or worse on long lines without a
 * match: one 100 KB line took 32 s. Each method works from runs precomputed right to left (where
 * the whitespace, digit, slash and non-whitespace runs starting at each index end), so every
 * candidate position is decided in constant time.
 *
 * <p>Character classes are Java's defaults, as the regexes use them: {@code \s} is
 * [ \t\n\x0B\f\r], {@code \d} [0-9], {@code \w} [a-zA-Z_0-9]; {@code .} is any character but
 * {@code \n} (UNIX_LINES), and the lines given here hold none.
 */
final class PerfLineShapes {
    private PerfLineShapes() {
    }

    static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean word(char c) {
        return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    /** end[i]: the first index at or after i where the run of characters of one class ends. */
    private static int[] runs(String s, int kind) {
        int n = s.length();
        int[] end = new int[n + 1];
        end[n] = n;
        for (int i = n - 1; i >= 0; i--) {
            char c = s.charAt(i);
            boolean in = switch (kind) {
                case 0 -> space(c);
                case 1 -> digit(c);
                case 2 -> c == '/';
                default -> !space(c);
            };
            end[i] = in ? end[i + 1] : i;
        }
        return end;
    }

    /** {@code ^(\S.+?)\s+(\d+)/*(\d+)*\s+} found: groups 1-3 (group 3 null when absent), or null. */
    static String[] header(String s) {
        int n = s.length();
        if (n < 2 || space(s.charAt(0))) return null;
        int[] ws = runs(s, 0);
        int[] dg = runs(s, 1);
        int[] sl = runs(s, 2);
        // the lazy group grows one character at a time; the first end that lets the rest match wins
        for (int e = 2; e < n; e++) {
            if (!space(s.charAt(e))) continue;
            int e2 = ws[e];
            int e3 = dg[e2];
            if (e3 == e2) continue;
            int e4 = sl[e3];
            int e5 = dg[e4];
            if (e5 < n && space(s.charAt(e5))) {
                return new String[] {s.substring(0, e), s.substring(e2, e3), e5 > e4 ? s.substring(e4, e5) : null};
            }
        }
        return null;
    }

    /** {@code :\s*(\d+)*\s+(\S+):\s*$} found: groups 1-2 (group 1 null when absent), or null. */
    static String[] event(String s) {
        int n = s.length();
        int[] ws = runs(s, 0);
        int[] dg = runs(s, 1);
        int[] nonWs = runs(s, 3);
        for (int c = s.indexOf(':'); c >= 0; c = s.indexOf(':', c + 1)) {
            int a = ws[c + 1];
            int b = dg[a];
            if (b > a && b < n && space(s.charAt(b))) {
                String[] g = eventTail(s, ws[b], nonWs, ws);
                if (g != null) return new String[] {s.substring(a, b), g[0]};
            }
            // the leading \s* gives back its whitespace to \s+, the digit group matches nothing
            if (a > c + 1) {
                String[] g = eventTail(s, a, nonWs, ws);
                if (g != null) return new String[] {null, g[0]};
            }
        }
        return null;
    }

    /** {@code (\S+):\s*$} at d: the non-blank run ends in ':' (after at least one character) and only blanks follow. */
    private static String[] eventTail(String s, int d, int[] nonWs, int[] ws) {
        int f = nonWs[d];
        if (f < d + 2 || s.charAt(f - 1) != ':' || ws[f] != s.length()) return null;
        return new String[] {s.substring(d, f - 1)};
    }

    /** {@code ^\s*(\w+)\s*(.+) \((.*)\)} found: groups 1-3, or null. */
    static String[] frame(String s) {
        int n = s.length();
        int l = runs1(s, 0);
        if (l >= n || !word(s.charAt(l))) return null;
        int w = l;
        while (w < n && word(s.charAt(w))) w++;
        int afterWs = w;
        while (afterWs < n && space(s.charAt(afterWs))) afterWs++;
        // greedy (.+) then (.*): the last ')' and, before it, the last " (" with room for it
        int r = s.lastIndexOf(')');
        if (r < 0) return null;
        int q = r - 2 < 0 ? -1 : s.lastIndexOf(" (", r - 2);
        if (q < 0) return null;
        int wordEnd;
        int g2;
        if (afterWs + 1 <= q) {
            wordEnd = w;
            g2 = afterWs;
        } else if (w + 1 <= q) {
            wordEnd = w;
            g2 = q - 1;
        } else {
            // the word gives back characters: the blanks after it then match nothing
            wordEnd = Math.min(w - 1, q - 1);
            if (wordEnd <= l) return null;
            g2 = wordEnd;
        }
        return new String[] {s.substring(l, wordEnd), s.substring(g2, q), s.substring(q + 2, r)};
    }

    private static int runs1(String s, int from) {
        int i = from;
        while (i < s.length() && space(s.charAt(i))) i++;
        return i;
    }
}
