/**
 * Python's `str.strip()` with no arguments: strips the characters `str.isspace()` accepts, which is wider than
 * JavaScript's `String.prototype.trim` (it includes U+001C..U+001F and U+0085, and excludes U+FEFF).
 */
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LEADING = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING = new RegExp(`[${PY_SPACE}]+$`);

export function pyStrip(text: string): string {
  return text.replace(LEADING, "").replace(TRAILING, "");
}
