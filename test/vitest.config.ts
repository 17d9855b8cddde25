import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Root-level TypeScript suites: chaos (CI size), security, fuzzing and the README's journeys (journey/) against real
// proxy processes, and the proxy against a real tritonserver (triton/). Files run one after another: each starts its own servers and the machine
// has few cores.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: [
      "triton/**/*.test.ts",
      "reliability/**/*.test.ts",
      "security/**/*.test.ts",
      "fuzz/**/*.test.ts",
      "journey/**/*.test.ts",
    ],
    environment: "node",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
