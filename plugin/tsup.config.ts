import { defineConfig } from "tsup";

// One self-contained ESM file: zod and the proxy's API schemas are bundled in, so the installed plugin needs no
// runtime dependencies (OpenClaw installs plugins with --omit=dev --ignore-scripts).
export default defineConfig({
  // index: the plugin; doctor-contract-api: the config migration OpenClaw's doctor loads on its own.
  entry: { index: "src/index.ts", "doctor-contract-api": "src/doctor-contract-api.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  outDir: "dist",
  clean: false,
  noExternal: [/.*/],
  dts: false,
  sourcemap: false,
  splitting: false,
  treeshake: true,
  removeNodeProtocol: false,
});
