import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "runtime",
    environment: "node",
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
