/**
 * A look at a JSON text's shape before it is parsed. JSON.parse holds the event loop for as long as it builds the
 * value: a quarter of a second for 4,000,000 numbers, seconds for an object of 700,000 keys, though no request of
 * this API has a list longer than GPU_MAX_BATCH_SIZE or an object of more than a handful of fields; and for seconds
 * and hundreds of megabytes when a body is nested two million deep, though no request nests deeper than three. One
 * pass over the text (strings skipped with indexOf) finds the first list or object that is too long or too deep and
 * stops there, so a huge body costs about what its first oversized container does. Web-standard only.
 */

export interface ShapeLimits {
  /** Most elements of any list. */
  maxItems: number;
  /** Most members of any object. */
  maxMembers: number;
  /** Most containers open at once (the body itself is one). */
  maxDepth: number;
}

export interface ShapeProblem {
  /** A list or object with too many elements, or a container nested deeper than `maxDepth`. */
  kind: "list" | "object" | "depth";
  /** Where, as the schemas name paths (`texts`, `references.0`); empty for the body itself. */
  path: string;
  max: number;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_LIST = 91;
const CLOSE_LIST = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
/** Keys longer than this are named by their start only. */
const MAX_KEY_LENGTH = 64;

/** Index of the quote that ends the string opened at `start`, or -1 when it never ends. */
function endOfString(text: string, start: number): number {
  let end = start;
  for (;;) {
    end = text.indexOf('"', end + 1);
    if (end < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return end;
  }
}

/**
 * The first list or object of `text` with more elements than `limits` allow, or nested deeper than they allow, or
 * undefined (also for non-JSON).
 */
export function oversizedContainer(text: string, limits: ShapeLimits): ShapeProblem | undefined {
  // One entry per open container: whether it is a list, its path, its element count so far, its last key.
  const isList: boolean[] = [];
  const paths: string[] = [];
  const counts: number[] = [];
  const keys: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (end < 0) return undefined;
      const top = counts.length - 1;
      if (top >= 0 && !isList[top]) {
        let next = end + 1;
        while (next < text.length && text.charCodeAt(next) <= 32) next += 1;
        if (text.charCodeAt(next) === COLON) keys[top] = text.slice(i + 1, Math.min(end, i + 1 + MAX_KEY_LENGTH));
      }
      i = end;
    } else if (c === OPEN_LIST || c === OPEN_OBJECT) {
      const top = counts.length - 1;
      const name = top < 0 ? "" : isList[top] ? String((counts[top] as number) - 1) : (keys[top] as string);
      const parent = top < 0 ? "" : (paths[top] as string);
      const path = parent && name ? `${parent}.${name}` : parent || name;
      if (counts.length >= limits.maxDepth) return { kind: "depth", path, max: limits.maxDepth };
      isList.push(c === OPEN_LIST);
      paths.push(path);
      counts.push(1);
      keys.push("");
    } else if (c === CLOSE_LIST || c === CLOSE_OBJECT) {
      isList.pop();
      paths.pop();
      counts.pop();
      keys.pop();
    } else if (c === COMMA && counts.length > 0) {
      const top = counts.length - 1;
      const count = (counts[top] as number) + 1;
      counts[top] = count;
      const list = isList[top] as boolean;
      const max = list ? limits.maxItems : limits.maxMembers;
      if (count > max) return { kind: list ? "list" : "object", path: paths[top] as string, max };
    }
  }
  return undefined;
}
