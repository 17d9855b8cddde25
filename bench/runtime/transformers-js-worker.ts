/**
 * Child process of the benchmark (transformers.js ships its own onnxruntime-node, whose native library cannot be
 * loaded beside the runtime's): first line {encoderDir, threads}, then per line {texts} -> {seconds, embeddings}.
 */
import { createInterface } from "node:readline";
import { transformersJsExtractor } from "./peers.js";

const lines = createInterface({ input: process.stdin });
let extract: Awaited<ReturnType<typeof transformersJsExtractor>>["extract"] | undefined;
for await (const line of lines) {
  try {
    const job = JSON.parse(line) as { encoderDir?: string; threads?: number; texts?: string[] };
    if (job.encoderDir) {
      const loaded = await transformersJsExtractor(job.encoderDir, 384, 256, job.threads ?? 1);
      extract = loaded.extract;
      await extract(["warm up"], { pooling: "mean", normalize: true });
      process.stdout.write(`${JSON.stringify({ version: loaded.version })}\n`);
    } else if (extract && job.texts) {
      const start = performance.now();
      const out = await extract(job.texts, { pooling: "mean", normalize: true });
      const seconds = (performance.now() - start) / 1000;
      process.stdout.write(`${JSON.stringify({ seconds, embeddings: Array.from(out.data) })}\n`);
    }
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ error: (err as Error).message })}\n`);
  }
}
