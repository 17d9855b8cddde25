import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "bytes", environment: "node", include: ["src/**/*.test.ts"] },
});
