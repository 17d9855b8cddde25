/**
 * What `npm run mutation` mutates: per core module, its source files and the unit tests that should kill their
 * mutants (paths from the repository root). Each module runs alone, so a score says what its own tests catch.
 */
/* global process */
export const MODULES = {
  admission: { mutate: ["proxy/src/app/limiter.ts"], tests: ["proxy/src/app/limiter.test.ts"] },
  auth: { mutate: ["proxy/src/app/auth.ts"], tests: ["proxy/src/app/auth.test.ts"] },
  "host-check": { mutate: ["proxy/src/app/host-check.ts"], tests: ["proxy/src/app/host-check.test.ts"] },
  "body-limits": {
    mutate: ["proxy/src/app/json-body.ts", "proxy/bytes/src/read-at-most.ts"],
    tests: ["proxy/src/app/json-body.test.ts", "proxy/bytes/src/read-at-most.test.ts"],
  },
  "kserve-codec": {
    mutate: ["proxy/kserve/src/binary.ts", "proxy/kserve/src/tensor-data.ts", "proxy/kserve/src/triton-json.ts"],
    tests: ["proxy/kserve/src/binary.test.ts", "proxy/kserve/src/tensor-data.test.ts", "proxy/kserve/src/triton-json.test.ts"],
  },
  bertscore: { mutate: ["proxy/runtime/src/bertscore.ts"], tests: ["proxy/runtime/src/bertscore.test.ts"] },
  batching: { mutate: ["proxy/runtime/src/batching.ts"], tests: ["proxy/runtime/src/bertscore.test.ts"] },
  "plugin-client": { mutate: ["plugin/src/client.ts"], tests: ["plugin/src/client.test.ts"] },
};

/** The module named by MUTATION_MODULE (scripts/mutation.sh sets it). */
export function selectedModule() {
  const name = process.env.MUTATION_MODULE ?? "";
  const module = MODULES[name];
  if (!module) throw new Error(`MUTATION_MODULE must be one of ${Object.keys(MODULES).join(", ")}; got '${name}'`);
  return { name, ...module };
}
