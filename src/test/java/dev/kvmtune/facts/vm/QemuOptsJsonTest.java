package dev.kvmtune.facts.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The JSON form of a QEMU option (-object, -blockdev, -device, -netdev), read token by token, against a model that reads
 * it into Jackson's tree and flattens that: the same keys in the same order with the same values.
 */
class QemuOptsJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The model: the whole document as a tree, flattened into the dotted command-line form. */
    private static Map<String, String> model(String json) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", MAPPER.readTree(json), out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix + e.getKey() + ".", e.getValue(), out);
            }
        } else if (node.isArray() && allScalars(node)) {
            List<String> texts = new ArrayList<>();
            for (JsonNode n : node) texts.add(n.asText());
            out.put(prefix.substring(0, prefix.length() - 1), String.join(",", texts));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) flatten(prefix + i + ".", node.get(i), out);
        } else {
            out.put(prefix.substring(0, prefix.length() - 1), node.isBoolean() ? (node.booleanValue() ? "on" : "off") : node.asText());
        }
    }

    private static boolean allScalars(JsonNode array) {
        for (JsonNode n : array) if (n.isContainerNode()) return false;
        return true;
    }

    @Property(tries = 500)
    void readsAsTheTreeModelDoes(@ForAll("objects") Map<String, Object> object) throws Exception {
        String json = MAPPER.writeValueAsString(object);
        assertThat(QemuOpts.parse(json, null)).containsExactlyEntriesOf(model(json));
    }

    @Provide
    Arbitrary<Map<String, Object>> objects() {
        return Arbitraries.lazyOf(() -> members(3));
    }

    private Arbitrary<Map<String, Object>> members(int depth) {
        Arbitrary<String> key = Arbitraries.strings().withChars("abcdefgh-_.0123456789\u00e9").ofMinLength(1).ofMaxLength(6);
        return Arbitraries.maps(key, value(depth)).ofMaxSize(5).map(LinkedHashMap::new);
    }

    private Arbitrary<Object> value(int depth) {
        Arbitrary<Object> scalar = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(12).map(s -> (Object) s),
                Arbitraries.longs().map(l -> (Object) l), Arbitraries.integers().between(-3, 3).map(i -> (Object) i),
                Arbitraries.doubles().map(d -> (Object) d), Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.just(null), Arbitraries.bigIntegers().between(java.math.BigInteger.TEN.pow(20), java.math.BigInteger.TEN.pow(30))
                        .map(b -> (Object) b));
        if (depth == 0) return scalar;
        Arbitrary<Object> list = Arbitraries.lazyOf(() -> value(depth - 1)).list().ofMaxSize(4).map(l -> (Object) l);
        Arbitrary<Object> map = Arbitraries.lazyOf(() -> members(depth - 1)).map(m -> (Object) m);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, scalar), net.jqwik.api.Tuple.of(1, list), net.jqwik.api.Tuple.of(1, map));
    }

    @Test
    void numbersAndLiteralsAsTheTreeWritesThem() throws Exception {
        for (String json : List.of("{\"a\":-0,\"b\":1.0,\"c\":1e400,\"d\":12345678901234567890123,\"e\":2.5E-3,\"f\":null}",
                "{\"host-nodes\":[0,1],\"m\":[1,true,{\"x\":true},[2,3],\"s\"],\"n\":[],\"o\":{},\"b\":[true,false]}")) {
            assertThat(QemuOpts.parse(json, null)).as(json).containsExactlyEntriesOf(model(json));
        }
        assertThat(QemuOpts.parse("{\"qom-type\":\"memory-backend-file\",\"id\":\"m0\",\"size\":1073741824,\"host-nodes\":[0],"
                + "\"policy\":\"bind\",\"prealloc\":true}", null)).containsExactly(Map.entry("qom-type", "memory-backend-file"),
                Map.entry("id", "m0"), Map.entry("size", "1073741824"), Map.entry("host-nodes", "0"), Map.entry("policy", "bind"),
                Map.entry("prealloc", "on"));
    }

    @Test
    void whatQemuRefusesIsNotRead() {
        // QEMU's JSON parser refuses a key given twice; a truncated or malformed document says why
        assertThatThrownBy(() -> QemuOpts.parse("{\"id\":\"a\",\"id\":\"b\"}", null)).isInstanceOf(QemuOpts.BadOptsException.class)
                .hasMessageContaining("not valid JSON").hasMessageContaining("id");
        assertThatThrownBy(() -> QemuOpts.parse("{\"a\":{\"b\":[1,2", null)).isInstanceOf(QemuOpts.BadOptsException.class)
                .hasMessageStartingWith("not valid JSON");
        assertThatThrownBy(() -> QemuOpts.parse("{\"a\" 1}", null)).isInstanceOf(QemuOpts.BadOptsException.class)
                .hasMessageStartingWith("not valid JSON");
        assertThatThrownBy(() -> QemuOpts.parse("{", null)).isInstanceOf(QemuOpts.BadOptsException.class);
    }
}
