import { seededRandom } from "@gpu-bridge/test-support/seeded-random";

/** A deterministic corpus of English-like sentences of varied length for the benchmarks. */
const WORDS = (
  "the of and to in is was for on that with as by at from his her it an were are which this be or has had " +
  "not but they their its new first one two also after who been more when time year city people world game " +
  "music river school team house history church water system family state film company season album group " +
  "during between under several most where about other many some into while these them would could there " +
  "small large early later major local public national government research university station language"
).split(" ");

/** `count` sentences of 4..maxWords words (lengths skewed short, as real requests are). */
export function benchCorpus(count: number, maxWords = 120, seed = 42): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const words = 4 + Math.floor(random() ** 2 * (maxWords - 4));
    const sentence = Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");
    return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
  });
}
