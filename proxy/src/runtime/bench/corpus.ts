/** A deterministic corpus of English-like sentences of varied length for the benchmarks. */
const WORDS = (
  "the of and to in is was for on that with as by at from his her it an were are which this be or has had " +
  "not but they their its new first one two also after who been more when time year city people world game " +
  "music river school team house history church water system family state film company season album group " +
  "during between under several most where about other many some into while these them would could there " +
  "small large early later major local public national government research university station language"
).split(" ");

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` sentences of 4..maxWords words (lengths skewed short, as real requests are). */
export function benchCorpus(count: number, maxWords = 120, seed = 42): string[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const words = 4 + Math.floor(random() ** 2 * (maxWords - 4));
    const sentence = Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");
    return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
  });
}
