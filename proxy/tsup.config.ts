import { createRequire } from "node:module";
import { defineConfig } from "tsup";

const require = createRequire(import.meta.url);
const { dependencies } = require("@gpu-bridge/runtime/package.json") as { dependencies: Record<string, string> };

/**
 * `npm run build`: the Node entry as plain ESM for `node dist/node/main.js` (dependencies stay external), and the
 * embedded runtime's worker thread beside it, where the runtime's worker-pool.ts looks for it.
 */
export default defineConfig({
  entry: { main: "src/node/main.ts", "inference-worker": require.resolve("@gpu-bridge/runtime/inference-worker") },
  format: "esm",
  target: "node20",
  outDir: "dist/node",
  sourcemap: true,
  clean: true,
  // esbuild drops `with { type: "json" }` on external imports; inline package.json files instead. The workspace
  // packages (@gpu-bridge/contract, kserve, runtime) export TypeScript sources: inline them too.
  noExternal: [/\/package\.json$/, /^@gpu-bridge\//],
  // tsup keeps this package's own dependencies external; those of the bundled runtime (onnxruntime-node and its
  // native binding among them) stay external too, resolved from node_modules like the proxy's.
  external: Object.keys(dependencies).filter((name) => !name.startsWith("@gpu-bridge/")),
});
