/** The original plugin's settings (v0.1 and v0.2.1 shapes, from its openclaw.plugin.json and README) moved here. */
import { describe, expect, it } from "vitest";
import { legacyConfigRules, normalizeCompatibilityConfig } from "./doctor-contract-api.js";
import { migrateLegacyEntry, translateLegacyConfig } from "./legacy-config.js";
import { readPluginConfig } from "./config.js";

const V01 = { serviceUrl: "http://192.168.1.100:8765", apiKey: "gpu-key", timeout: 45, models: { embed: "all-MiniLM-L6-v2", bertscore: "roberta-large" } };
const V021 = {
  hosts: [
    { name: "rtx-2080ti", url: "http://your-gpu-host:8765", apiKey: "gpu-key-1" },
    { name: "rtx-3090", url: "http://your-second-gpu-host:8765", apiKey: "gpu-key-2" },
  ],
  loadBalancing: "least-busy",
  healthCheckIntervalSeconds: 30,
  timeout: 45,
  models: { embed: "all-MiniLM-L6-v2", bertscore: "microsoft/deberta-xlarge-mnli" },
};

describe("translateLegacyConfig", () => {
  it("keeps a v0.1 config as it is, and it reads as this plugin's config", () => {
    const { config, dropped } = translateLegacyConfig(V01);
    expect(config).toEqual(V01);
    expect(dropped).toEqual([]);
    expect(readPluginConfig(config, "gpu-bridge").ok).toBe(true);
  });

  it("takes the first of v0.2's hosts and says what it cannot carry over", () => {
    const { config, dropped } = translateLegacyConfig(V021);
    expect(config).toEqual({
      serviceUrl: "http://your-gpu-host:8765",
      apiKey: "gpu-key-1",
      timeout: 45,
      models: { embed: "all-MiniLM-L6-v2", bertscore: "microsoft/deberta-xlarge-mnli" },
    });
    expect(dropped).toEqual([
      "hosts[1..1] (one proxy fronts several GPU boxes: list them in its TRITON_URL)",
      "loadBalancing",
      "healthCheckIntervalSeconds",
    ]);
    expect(readPluginConfig(config, "gpu-bridge").ok).toBe(true);
  });

  it("reads v0.2's url alias and its top-level apiKey", () => {
    expect(translateLegacyConfig({ url: "http://gpu:8765/", apiKey: "k" }).config).toEqual({ serviceUrl: "http://gpu:8765/", apiKey: "k" });
  });
});

describe("the doctor contract", () => {
  it("moves the original's entry, keeps it switched on, and turns the old id off", () => {
    const cfg = {
      gateway: { port: 1 },
      plugins: {
        allow: ["openclaw-gpu-bridge", "other"],
        entries: { "openclaw-gpu-bridge": { enabled: true, config: V021 }, "gpu-bridge": { enabled: false } },
      },
    };
    const { config, changes } = normalizeCompatibilityConfig({ cfg });
    expect(config).toEqual({
      gateway: { port: 1 },
      plugins: {
        allow: ["gpu-bridge", "other"],
        entries: {
          "openclaw-gpu-bridge": { enabled: false },
          "gpu-bridge": { enabled: true, config: translateLegacyConfig(V021).config },
        },
      },
    });
    expect(changes).toEqual([
      "Moved plugins.entries.openclaw-gpu-bridge (the original GPU Bridge plugin) to plugins.entries.gpu-bridge; not " +
        "carried over: hosts[1..1] (one proxy fronts several GPU boxes: list them in its TRITON_URL), loadBalancing, " +
        "healthCheckIntervalSeconds.",
      "Replaced openclaw-gpu-bridge with gpu-bridge in plugins.allow.",
    ]);
    expect(cfg.plugins.entries["openclaw-gpu-bridge"].enabled).toBe(true); // the input is not changed
  });

  it("keeps this plugin's own config when there is one", () => {
    const own = { serviceUrl: "http://new:8765" };
    const cfg = { plugins: { entries: { "openclaw-gpu-bridge": { config: V01 }, "gpu-bridge": { enabled: true, config: own } } } };
    const { config, changes } = migrateLegacyEntry(cfg);
    expect((config.plugins as { entries: unknown }).entries).toEqual({
      "openclaw-gpu-bridge": { enabled: false },
      "gpu-bridge": { enabled: true, config: own },
    });
    expect(changes).toEqual(["Turned plugins.entries.openclaw-gpu-bridge off: plugins.entries.gpu-bridge.config is already set and is kept."]);
  });

  it("changes nothing once moved, even with the old settings kept beside the off switch", () => {
    const cfg = {
      plugins: {
        entries: { "openclaw-gpu-bridge": { enabled: false, config: V01 }, "gpu-bridge": { enabled: true, config: { serviceUrl: "http://a" } } },
      },
    };
    expect(normalizeCompatibilityConfig({ cfg })).toEqual({ config: cfg, changes: [] });
    expect(normalizeCompatibilityConfig({ cfg: { plugins: { entries: {} } } }).changes).toEqual([]);
    expect(normalizeCompatibilityConfig({ cfg: {} }).changes).toEqual([]);
  });

  it("flags the original's entry while it is in use", () => {
    const [rule] = legacyConfigRules;
    expect(rule?.path).toEqual(["plugins", "entries", "openclaw-gpu-bridge"]);
    expect(rule?.match({ enabled: true, config: V01 })).toBe(true);
    expect(rule?.match({ config: V01 })).toBe(true);
    expect(rule?.match({ enabled: false, config: V01 })).toBe(false);
  });
});
