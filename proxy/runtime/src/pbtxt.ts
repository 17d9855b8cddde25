/**
 * A parser for the protobuf text format subset that Triton's config.pbtxt files use: scalar fields,
 * nested messages, `[...]` lists, strings, numbers, enum identifiers, `#` comments.
 */

export type PbScalar = string | number | boolean;
export type PbValue = PbScalar | PbMessage;
/** Each field name maps to its values in order (text format allows repeating a field). */
export interface PbMessage {
  [field: string]: PbValue[];
}

type Token =
  | { kind: "ident"; value: string; pos: number }
  | { kind: "string"; value: string; pos: number }
  | { kind: "number"; value: number; pos: number }
  | { kind: "punct"; value: string; pos: number };

export class PbtxtError extends Error {
  constructor(message: string, source: string, pos: number) {
    const line = source.slice(0, pos).split("\n").length;
    super(`${message} at line ${line}`);
    this.name = "PbtxtError";
  }
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "'": "'", "\\": "\\" };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if ("{}[]:,;<>".includes(c)) {
      tokens.push({ kind: "punct", value: c, pos: i++ });
    } else if (c === '"' || c === "'") {
      const start = i++;
      let value = "";
      while (i < source.length && source[i] !== c) {
        if (source[i] === "\\") {
          const next = source[i + 1] ?? "";
          if (!(next in ESCAPES)) throw new PbtxtError(`unsupported escape \\${next}`, source, i);
          value += ESCAPES[next];
          i += 2;
        } else {
          value += source[i++];
        }
      }
      if (i >= source.length) throw new PbtxtError("unterminated string", source, start);
      i++;
      tokens.push({ kind: "string", value, pos: start });
    } else {
      const match = /^[-+]?(?:0x[0-9a-fA-F]+|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)[fF]?|^[A-Za-z_][A-Za-z0-9_.]*/.exec(
        source.slice(i),
      );
      if (!match) throw new PbtxtError(`unexpected character ${JSON.stringify(c)}`, source, i);
      const text = match[0];
      if (/^[A-Za-z_]/.test(text)) tokens.push({ kind: "ident", value: text, pos: i });
      else tokens.push({ kind: "number", value: Number(text.replace(/[fF]$/, "")), pos: i });
      i += text.length;
    }
  }
  return tokens;
}

/** Parses config.pbtxt text into a field tree. Enum identifiers come back as strings, `true`/`false` as booleans. */
export function parsePbtxt(source: string): PbMessage {
  const tokens = tokenize(source);
  let index = 0;
  const peek = () => tokens[index];
  const fail = (message: string): never => {
    throw new PbtxtError(message, source, peek()?.pos ?? source.length);
  };

  function scalar(): PbScalar {
    const t = tokens[index++];
    if (!t) return fail("unexpected end of input");
    if (t.kind === "string" || t.kind === "number") return t.value;
    if (t.kind === "ident") {
      if (t.value === "true" || t.value === "True") return true;
      if (t.value === "false" || t.value === "False") return false;
      return t.value;
    }
    index--;
    return fail(`unexpected '${t.value}'`);
  }

  function value(): PbValue {
    const t = peek();
    if (t?.kind === "punct" && (t.value === "{" || t.value === "<")) {
      index++;
      return message(t.value === "{" ? "}" : ">");
    }
    return scalar();
  }

  function message(close: string | null): PbMessage {
    const out: PbMessage = {};
    for (;;) {
      const t = peek();
      if (!t) {
        if (close === null) return out;
        return fail(`expected '${close}'`);
      }
      if (t.kind === "punct" && t.value === close) {
        index++;
        return out;
      }
      if (t.kind === "punct" && (t.value === "," || t.value === ";")) {
        index++;
        continue;
      }
      if (t.kind !== "ident") return fail(`expected a field name, got '${String(t.value)}'`);
      index++;
      const field = t.value;
      const sep = peek();
      if (sep?.kind === "punct" && sep.value === ":") index++;
      const values = (out[field] ??= []);
      const next = peek();
      if (next?.kind === "punct" && next.value === "[") {
        index++;
        while (!(peek()?.kind === "punct" && peek()?.value === "]")) {
          if (!peek()) return fail("expected ']'");
          values.push(value());
          if (peek()?.kind === "punct" && peek()?.value === ",") index++;
        }
        index++;
      } else {
        values.push(value());
      }
    }
  }

  return message(null);
}
