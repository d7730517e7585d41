package dev.kvmtune.facts.memory;

import java.util.Locale;

/**
 * The sizes {@code kvmtune mem} shows, named as smem names its columns where smem has them (swap, uss,
 * pss, rss, vss, maps) and after the kernel's keys where it does not. Sizes are kB; {@link #MAPS} and
 * {@link #KSM_PAGES} are counts.
 */
public enum MemColumn {
    SWAP("swap", "Swap", "swap space used (ignoring sharing)"),
    USS("uss", "USS", "unique set size: Private_Clean + Private_Dirty"),
    PSS("pss", "PSS", "proportional set size: shared pages shared out among their users"),
    RSS("rss", "RSS", "resident set size (shared pages counted in every user)"),
    VSS("vss", "VSS", "virtual set size: all address space mapped"),
    MAPS("maps", "Maps", "number of mappings (full smaps only)"),
    SWAP_PSS("swap_pss", "SwapPSS", "swap shared out among its users"),
    HUGETLB("hugetlb", "Hugetlb", "hugetlbfs pages (in none of RSS, PSS, USS)"),
    HUGETLB_PRIVATE("hugetlb_private", "HugePriv", "Private_Hugetlb"),
    HUGETLB_SHARED("hugetlb_shared", "HugeShr", "Shared_Hugetlb"),
    PSS_ANON("pss_anon", "PSSAnon", "PSS of anonymous memory"),
    PSS_FILE("pss_file", "PSSFile", "PSS of file-backed memory"),
    PSS_SHMEM("pss_shmem", "PSSShmem", "PSS of shared memory (tmpfs, memfd, SysV)"),
    LOCKED("locked", "Locked", "locked pages (mlock)"),
    KSM_PAGES("ksm_pages", "KSMPages", "pages merged by KSM (ksm_merging_pages)"),
    KSM_PROFIT("ksm_profit", "KSMProfit", "what KSM saves the process (ksm_process_profit; may be negative)");

    private final String id;
    private final String header;
    private final String help;

    MemColumn(String id, String header, String help) {
        this.id = id;
        this.header = header;
        this.help = help;
    }

    public String id() {
        return id;
    }

    public String header() {
        return header;
    }

    public String help() {
        return help;
    }

    /** A size in kB (not a count). */
    public boolean isSize() {
        return this != MAPS && this != KSM_PAGES;
    }

    /** The JSON field: camelCase, with a Kb suffix for sizes (pssKb, hugetlbPrivateKb, maps). */
    public String jsonName() {
        return jsonName(id, isSize());
    }

    /** A column id (swap_pss) as a JSON field (swapPss), with a Kb suffix for a size in kB. */
    public static String jsonName(String id, boolean kb) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : id.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return kb ? sb + "Kb" : sb.toString();
    }

    /** By smem's name (pss, swap_pss); null when there is none. */
    public static MemColumn byId(String id) {
        String k = id.toLowerCase(Locale.ROOT);
        for (MemColumn c : values()) if (c.id.equals(k)) return c;
        return null;
    }
}
