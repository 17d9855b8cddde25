import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "**/.wrangler/**", ".venv/**", "**/*.d.ts", "bench-results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // no reach-ins: packages and benchmarks import what they share by package name, never by another folder's path
    files: ["proxy/**/*.ts", "plugin/**/*.ts", "bench/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/triton-models/**"],
              message: "the runtime reads the model repository it is given (proxy/runtime/src/default-repository.ts)",
            },
            {
              group: ["@gpu-bridge/*/test-support/*", "**/runtime/test/**", "../test/*/**", "!../test/fixtures/**"],
              message: "shared test and bench support is @gpu-bridge/test-support (test/support/)",
            },
          ],
        },
      ],
    },
  },
);
