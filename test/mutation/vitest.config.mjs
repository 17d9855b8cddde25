/** The vitest run StrykerJS drives: only the selected module's unit tests, from the repository root. */
/* global URL */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { selectedModule } from "./modules.mjs";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    environment: "node",
    include: selectedModule().tests,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
