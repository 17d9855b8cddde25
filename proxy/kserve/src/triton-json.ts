/**
 * JSON as Triton writes it. RapidJSON's kWriteNanAndInfFlag puts NaN and ±Infinity into FP tensors as the bare
 * tokens `NaN`, `Infinity` and `-Infinity` (bert_score's NaN recall, for one: `"data":[NaN]`), which JSON.parse
 * refuses; Triton reads them too. Web-standard only.
 */
const NON_FINITE_TOKEN = /"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g;

/** JSON.parse that also reads Triton's `NaN`, `Infinity` and `-Infinity` tokens as those numbers. */
export function parseTritonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!/NaN|Infinity/.test(text)) throw err;
  }
  // the tokens outside strings become strings that nothing else can be (a random tag), and back into numbers
  const tag = `${crypto.randomUUID()}:`;
  const tagged = text.replace(NON_FINITE_TOKEN, (match, token?: string) => (token ? `"${tag}${token}"` : match));
  return JSON.parse(tagged, (_key, value: unknown) =>
    typeof value === "string" && value.startsWith(tag) ? Number(value.slice(tag.length)) : value,
  );
}

/** JSON.stringify that writes non-finite numbers as Triton does (`NaN`, `Infinity`, `-Infinity`), not as null. */
export function stringifyTritonJson(value: unknown): string {
  let tag: string | undefined;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "number" || Number.isFinite(v)) return v;
    tag ??= `${crypto.randomUUID()}:`;
    return `${tag}${String(v)}`;
  });
  return tag === undefined ? text : text.replaceAll(new RegExp(`"${tag}(NaN|-?Infinity)"`, "g"), "$1");
}
