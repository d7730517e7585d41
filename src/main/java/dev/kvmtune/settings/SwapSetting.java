package dev.kvmtune.settings;

import dev.kvmtune.facts.memory.SwapsReader;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.settings.change.HostAccess;
import java.util.ArrayList;
import java.util.List;

/**
 * Swap off: {@code swapoff -a} on the live host when the user allows it (it can take long and
 * needs free memory), undone by {@code swapon} of each area with its priority.
 */
final class SwapSetting implements Applied {
    @Override
    public Changes changes(Desired d, ApplyContext c) {
        HostAccess h = c.host();
        List<SwapsReader.Swap> active = SwapsReader.read(h.root());
        if (active == null) return Changes.none(d, false, SwapsReader.PATH + " is absent: whether swap is on is unknown");
        if (active.isEmpty()) return Changes.none(d, false, null);
        String now = active.size() + " swap area(s): " + String.join(", ", active.stream().map(SwapsReader.Swap::filename).toList());
        if (!c.allowSwapoff()) return Changes.none(d, false, now + "; --allow-swapoff turns them off");
        if (!h.live()) return Changes.none(d, false, now + "; swapoff runs on the live host only");
        List<List<String>> undo = new ArrayList<>();
        for (SwapsReader.Swap sw : active) undo.add(List.of("swapon", "-p", String.valueOf(sw.priority()), sw.filename()));
        return Changes.of(d, List.of(new Change.Command(d.label(), List.of("swapoff", "-a"), undo, false, now, true)),
                "swap stays off until the next boot; remove it from /etc/fstab to keep it off");
    }
}
