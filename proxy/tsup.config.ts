import { defineConfig } from "tsup";

/** `npm run build`: the Node entry as plain ESM for `node dist/node/main.js` (dependencies stay external). */
export default defineConfig({
  entry: ["src/node/main.ts"],
  format: "esm",
  target: "node20",
  outDir: "dist/node",
  sourcemap: true,
  clean: true,
  // esbuild drops `with { type: "json" }` on external imports; inline package.json files instead
  noExternal: [/\/package\.json$/],
});
