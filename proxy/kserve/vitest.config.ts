import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "kserve", environment: "node", include: ["src/**/*.test.ts"] },
});
