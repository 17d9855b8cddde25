/** The shape check that runs before JSON.parse: which containers it finds too long, and what it must not count. */
import { describe, expect, it } from "vitest";
import { oversizedContainer } from "./json-shape.js";

const limits = { maxItems: 3, maxMembers: 4, maxDepth: 4 };

describe("oversizedContainer", () => {
  const cases: [string, string, ReturnType<typeof oversizedContainer>][] = [
    ["a list at the limit", '{"texts":["a","b","c"]}', undefined],
    ["a list past the limit, by its field", '{"texts":["a","b","c","d"]}', { kind: "list", path: "texts", max: 3 }],
    ["numbers as much as strings", '{"model":"m","input":[1,2,3,4,5]}', { kind: "list", path: "input", max: 3 }],
    ["an inner list, by its index", '{"references":[["a"],["a","b","c","d"]]}', { kind: "list", path: "references.1", max: 3 }],
    ["a body that is a list", "[1,2,3,4]", { kind: "list", path: "", max: 3 }],
    ["an object with too many fields", '{"a":1,"b":2,"c":3,"d":4,"e":5}', { kind: "object", path: "", max: 4 }],
    ["empty containers", '{"texts":[],"x":{},"y":[[],[],[]]}', undefined],
    ["commas, brackets and quotes inside strings", '{"texts":["a,b,c,d,e", "[,,,,]", "q\\",\\",\\",\\"", "\\\\"]}', { kind: "list", path: "texts", max: 3 }],
    ["escaped quotes and backslashes inside strings", '{"texts":["\\\\\\",,,,", "\\\\\\\\", ",,,,"]}', undefined],
    ["whitespace around keys", '{ "texts" : [1, 2, 3, 4] }', { kind: "list", path: "texts", max: 3 }],
    ["an unterminated string", '{"texts":["a,b,c,d', undefined],
    ["nesting at the limit", '[[[{"a":1}]]]', undefined],
    ["a list nested past the limit, by its path", "[[[[[1]]]]]", { kind: "depth", path: "0.0.0.0", max: 4 }],
    ["an object nested past the limit", '{"a":{"b":{"c":{"d":{}}}}}', { kind: "depth", path: "a.b.c.d", max: 4 }],
    ["brackets inside strings do not nest", '[[["[[[[[[{{{{{"]]]', undefined],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => expect(oversizedContainer(text, limits)).toEqual(expected));
  }

  it("stops at the first container too deep, however deep the rest goes (2,000,000 levels)", () => {
    const deep = "[".repeat(2_000_000) + "]".repeat(2_000_000);
    expect(oversizedContainer(deep, limits)).toEqual({ kind: "depth", path: "0.0.0.0", max: 4 });
  });

  it("agrees with JSON.parse on random documents: a problem exactly when a container is too long, and one of those", () => {
    const oversized = (value: unknown, path: string, out: string[]): string[] => {
      if (Array.isArray(value)) {
        if (value.length > limits.maxItems) out.push(`list ${path}`);
        value.forEach((v, i) => oversized(v, path ? `${path}.${i}` : String(i), out));
      } else if (value && typeof value === "object") {
        const entries = Object.entries(value);
        if (entries.length > limits.maxMembers) out.push(`object ${path}`);
        for (const [k, v] of entries) oversized(v, path ? `${path}.${k}` : k, out);
      }
      return out;
    };
    const strings = ["a", "a,b", "[x]", '"', "\\", "{,}", "é😀", '",['];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const build = (depth: number): unknown => {
      const kind = depth > 3 ? 2 : random(3);
      if (kind === 0) return Array.from({ length: random(6) }, () => build(depth + 1));
      if (kind === 1) return Object.fromEntries(Array.from({ length: random(7) }, (_, i) => [`k${i}`, build(depth + 1)]));
      return random(2) ? strings[random(strings.length)] : random(100);
    };
    let problems = 0;
    for (let n = 0; n < 500; n++) {
      const value = build(0);
      const text = JSON.stringify(value, null, random(2) ? 1 : undefined);
      const found = oversizedContainer(text, limits);
      const expected = oversized(value, "", []);
      if (expected.length === 0) expect(found, text).toBeUndefined();
      else expect(expected, text).toContain(`${found?.kind} ${found?.path}`);
      if (found) problems += 1;
    }
    expect(problems, "the documents include oversized ones").toBeGreaterThan(50);
  });
});
