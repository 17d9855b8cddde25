/** Child process of the benchmark: times transformers.js feature-extraction (mean pooling, normalize). */
import { transformersJsExtractor } from "./peers.js";

interface Job {
  encoderDir: string;
  texts: string[];
  threads: number;
  batch: number;
  repeats: number;
}

let input = "";
for await (const chunk of process.stdin) input += String(chunk);
const job = JSON.parse(input) as Job;
const { extract, version } = await transformersJsExtractor(job.encoderDir, 384, 256, job.threads);
await extract(job.texts.slice(0, 16), { pooling: "mean", normalize: true });
let seconds = Infinity;
let embeddings: number[] = [];
for (let r = 0; r < job.repeats; r++) {
  const start = performance.now();
  const all: number[] = [];
  for (let i = 0; i < job.texts.length; i += job.batch) {
    const out = await extract(job.texts.slice(i, i + job.batch), { pooling: "mean", normalize: true });
    all.push(...out.data);
  }
  seconds = Math.min(seconds, (performance.now() - start) / 1000);
  embeddings = all;
}
process.stdout.write(`\n${JSON.stringify({ version, seconds, embeddings })}\n`);
