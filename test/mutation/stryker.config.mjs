/**
 * StrykerJS over one core module (MUTATION_MODULE, see modules.mjs) with its vitest runner; run through
 * `npm run mutation`, never by `npm test` (slow on two cores). In place: the module's tests import the workspace
 * packages by name, which resolve to this checkout's files, not a sandbox copy; Stryker restores them when it ends.
 * Only the mutated files are touched: vitest does not type-check, so no `// @ts-nocheck` goes into the others.
 */
import { selectedModule } from "./modules.mjs";

const module = selectedModule();

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "test/mutation/vitest.config.mjs", related: false },
  mutate: module.mutate,
  inPlace: true,
  disableTypeChecks: false,
  coverageAnalysis: "perTest",
  concurrency: 2,
  timeoutMS: 30_000,
  reporters: ["clear-text", "json", "progress"],
  jsonReporter: { fileName: `reports/mutation/${module.name}.json` },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
