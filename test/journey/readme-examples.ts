/**
 * README's "Using the API" block as data: each curl command with the answer shown under it, and a matcher for
 * those answers, which are JSON with `...` where a value varies: `...` as a value (anything), `[...]` (any array),
 * `[...384 floats...]` (that many numbers), `"a...b"` (a string with anything in place of `...`), and `...` as an
 * object member (more members may follow; without it the members must be exactly those shown).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../support/fixtures.js";

export interface Example {
  command: string;
  /** The answer shown under the command (the comment lines' text), if any. */
  shown: string | undefined;
}

type Shape =
  | { kind: "any" }
  | { kind: "anyArray" }
  | { kind: "floats"; count: number }
  | { kind: "array"; items: Shape[] }
  | { kind: "object"; members: Map<string, Shape>; open: boolean }
  | { kind: "string"; value: string }
  | { kind: "literal"; value: number | boolean | null };

/** The fenced bash block under `## Using the API`, split into commands and the answers shown under them. */
export async function readmeApiExamples(): Promise<Example[]> {
  const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Using the API\n"));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README has no bash block under "## Using the API"');
  const lines = block.split("\n");
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]?.startsWith("curl ")) continue;
    let command = lines[i] as string;
    while (command.endsWith("\\")) command = `${command.slice(0, -1)} ${(lines[++i] ?? "").trim()}`;
    let shown: string | undefined;
    // the answer: "# {" or "# [" and its continuation lines "#  ..."
    if (/^# [{[]/.test(lines[i + 1] ?? "")) {
      shown = (lines[++i] as string).slice(2);
      while (/^# {2}/.test(lines[i + 1] ?? "")) shown += (lines[++i] as string).slice(3);
    }
    examples.push({ command, shown });
  }
  return examples;
}

/** Parses a shown answer into a shape. */
export function parseShape(text: string): Shape {
  let at = 0;
  const skip = () => {
    while (/\s/.test(text[at] ?? "")) at++;
  };
  const fail = (what: string): never => {
    throw new Error(`shown answer: ${what} at ${at}: ${text.slice(at, at + 40)}`);
  };
  const expect = (c: string) => {
    skip();
    if (text[at] !== c) fail(`expected ${c}`);
    at++;
  };
  const string = (): string => {
    const match = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(at));
    if (!match) return fail("expected a string");
    at += match[0].length;
    return JSON.parse(match[0]) as string;
  };
  const value = (): Shape => {
    skip();
    const rest = text.slice(at);
    if (rest.startsWith("...")) {
      at += 3;
      return { kind: "any" };
    }
    if (rest.startsWith("{")) {
      at++;
      const members = new Map<string, Shape>();
      let open = false;
      skip();
      if (text[at] === "}") {
        at++;
        return { kind: "object", members, open };
      }
      for (;;) {
        skip();
        if (text.startsWith("...", at)) {
          at += 3;
          open = true;
        } else {
          const key = string();
          expect(":");
          members.set(key, value());
        }
        skip();
        if (text[at] === ",") at++;
        else break;
      }
      expect("}");
      return { kind: "object", members, open };
    }
    if (rest.startsWith("[")) {
      const ellipsis = /^\[\.\.\.(?:(\d+) floats\.\.\.)?\]/.exec(rest);
      if (ellipsis) {
        at += ellipsis[0].length;
        return ellipsis[1] ? { kind: "floats", count: Number(ellipsis[1]) } : { kind: "anyArray" };
      }
      at++;
      const items: Shape[] = [];
      skip();
      if (text[at] === "]") {
        at++;
        return { kind: "array", items };
      }
      for (;;) {
        items.push(value());
        skip();
        if (text[at] === ",") at++;
        else break;
      }
      expect("]");
      return { kind: "array", items };
    }
    if (rest.startsWith('"')) return { kind: "string", value: string() };
    const literal = /^(?:-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/.exec(rest);
    if (!literal) return fail("expected a value");
    at += literal[0].length;
    return { kind: "literal", value: JSON.parse(literal[0]) as number | boolean | null };
  };
  const shape = value();
  skip();
  if (at !== text.length) fail("trailing text");
  return shape;
}

/** Where `actual` departs from `shape` (a path and why), or undefined when it matches. */
export function mismatch(shape: Shape, actual: unknown, path = "$"): string | undefined {
  switch (shape.kind) {
    case "any":
      return undefined;
    case "anyArray":
      return Array.isArray(actual) ? undefined : `${path}: not an array`;
    case "floats":
      if (!Array.isArray(actual) || actual.length !== shape.count) return `${path}: not ${shape.count} numbers`;
      return actual.every((x) => typeof x === "number" && Number.isFinite(x)) ? undefined : `${path}: not all finite numbers`;
    case "array": {
      if (!Array.isArray(actual) || actual.length !== shape.items.length) return `${path}: not an array of ${shape.items.length}`;
      for (const [i, item] of shape.items.entries()) {
        const found = mismatch(item, actual[i], `${path}[${i}]`);
        if (found) return found;
      }
      return undefined;
    }
    case "object": {
      if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return `${path}: not an object`;
      const record = actual as Record<string, unknown>;
      for (const [key, member] of shape.members) {
        if (!(key in record)) return `${path}.${key}: missing`;
        const found = mismatch(member, record[key], `${path}.${key}`);
        if (found) return found;
      }
      const extra = Object.keys(record).filter((key) => !shape.members.has(key));
      return !shape.open && extra.length > 0 ? `${path}: members not shown: ${extra.join(", ")}` : undefined;
    }
    case "string": {
      if (typeof actual !== "string") return `${path}: not a string`;
      const pattern = new RegExp(`^${shape.value.split("...").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
      return pattern.test(actual) ? undefined : `${path}: ${JSON.stringify(actual)} is not ${JSON.stringify(shape.value)}`;
    }
    case "literal":
      return actual === shape.value ? undefined : `${path}: ${JSON.stringify(actual)} is not ${JSON.stringify(shape.value)}`;
  }
}
