import { describe, expect, it } from "vitest";
import { readPluginConfig } from "./config.js";

describe("readPluginConfig", () => {
  it("applies the documented defaults: no models, so that the proxy's defaults apply", () => {
    expect(readPluginConfig({ serviceUrl: "http://gpu-box:8765" }, "gpu-bridge")).toEqual({
      ok: true,
      config: {
        serviceUrl: "http://gpu-box:8765",
        timeout: 45,
        models: {},
      },
    });
  });

  it("keeps explicit settings", () => {
    const read = readPluginConfig(
      { serviceUrl: "https://gpu.example/bridge", apiKey: "k", timeout: 3, models: { embed: "e5" } },
      "gpu-bridge",
    );
    expect(read).toEqual({
      ok: true,
      config: {
        serviceUrl: "https://gpu.example/bridge",
        apiKey: "k",
        timeout: 3,
        models: { embed: "e5" },
      },
    });
  });

  it.each([
    [undefined, /serviceUrl: serviceUrl is required/],
    [{}, /serviceUrl: serviceUrl is required/],
    [{ serviceUrl: "gpu-box:8765" }, /serviceUrl must be an http\(s\) URL/],
    [{ serviceUrl: "ftp://gpu-box" }, /serviceUrl must be an http\(s\) URL/],
    [{ serviceUrl: "http://a", timeout: 0 }, /timeout: /],
    [{ serviceUrl: "http://a", url: "http://b" }, /Unrecognized key: "url"/],
    [{ serviceUrl: "http://a", models: { rerank: "x" } }, /Unrecognized key: "rerank"/],
  ])("rejects %j with a message naming the setting", (raw, message) => {
    const read = readPluginConfig(raw, "gpu-bridge");
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.problem).toMatch(/^GPU Bridge plugin is not configured correctly \(plugins\.entries\.gpu-bridge\.config\)/);
      expect(read.problem).toMatch(message);
    }
  });
});
