import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
// by path, not by package name: the config loader bundles relative imports only, and Node cannot load a package's .ts
// eslint-disable-next-line no-restricted-imports
import { FIXTURE_ENV } from "../test/support/fixture-env.js";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["src/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The proxy inside real workerd; globalSetup starts the runtime's standalone server as its Triton.
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: "./src/workers/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { ...FIXTURE_ENV, TRITON_URL: inject("tritonUrl") } },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          globalSetup: ["./test/workers/upstream.global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
