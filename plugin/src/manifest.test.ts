import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildManifest } from "./manifest.js";
import { TOOL_NAMES } from "./tools.js";

const root = new URL("../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  version: string;
  files: string[];
  openclaw: { extensions: string[] };
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional: boolean }>;
  dependencies?: Record<string, string>;
};
const manifest = JSON.parse(readFileSync(new URL("openclaw.plugin.json", root), "utf8")) as Record<string, unknown>;

describe("openclaw.plugin.json", () => {
  it("is current (regenerate with `npm run build -w plugin`)", () => {
    expect(manifest).toEqual(buildManifest(pkg.version));
  });

  it("declares every registered tool in contracts.tools and marks the key sensitive", () => {
    expect((manifest.contracts as { tools: string[] }).tools).toEqual([...TOOL_NAMES]);
    expect((manifest.uiHints as Record<string, { sensitive?: boolean }>).apiKey?.sensitive).toBe(true);
    const schema = manifest.configSchema as { required: string[]; additionalProperties: boolean; properties: Record<string, { format?: string; default?: unknown }> };
    expect(schema.required).toEqual(["serviceUrl"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.serviceUrl?.format).toBe("uri");
    expect(schema.properties.timeout?.default).toBe(45);
  });
});

describe("package.json", () => {
  it("ships the built entry it points OpenClaw at, and needs nothing at run time", () => {
    expect(pkg.openclaw.extensions).toEqual(["./dist/index.js"]);
    for (const path of pkg.openclaw.extensions) expect(pkg.files).toContain(path.replace(/^\.\//, ""));
    expect(pkg.files).toContain("openclaw.plugin.json");
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies.openclaw).toBeDefined();
    expect(pkg.peerDependenciesMeta.openclaw?.optional).toBe(true);
  });

  it("has a built bundle with no imports outside Node's own modules", () => {
    const bundle = new URL("dist/index.js", root);
    if (!existsSync(bundle)) return expect.fail("plugin/dist/index.js is missing: run `npm run build -w plugin`");
    const source = readFileSync(bundle, "utf8");
    const specifiers = [...source.matchAll(/^import\s[^'"]*["']([^"']+)["']/gm)].map((m) => m[1]);
    expect(specifiers.filter((s) => !s?.startsWith("node:"))).toEqual([]);
  });
});
