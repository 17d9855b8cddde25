import { describe, expect, it } from "vitest";
import entry from "./index.js";
import { nodeVersionProblem } from "./node-version.js";
import type { AgentTool, PluginApi } from "./openclaw-api.js";

function load(pluginConfig: Record<string, unknown> | undefined) {
  const tools: AgentTool[] = [];
  const warnings: string[] = [];
  const api: PluginApi = {
    id: "gpu-bridge",
    pluginConfig,
    logger: { info: () => {}, warn: (m) => warnings.push(m), error: () => {} },
    registerTool: (tool) => tools.push(tool),
  };
  entry.register(api);
  return { tools, warnings };
}

describe("plugin entry", () => {
  it("has the manifest's identity", () => {
    expect(entry.id).toBe("gpu-bridge");
    expect(entry.name).toBe("GPU Bridge");
  });

  it("registers the five tools from api.pluginConfig, the same each time it is called", () => {
    const first = load({ serviceUrl: "http://127.0.0.1:1" });
    const second = load({ serviceUrl: "http://127.0.0.1:1" });
    expect(first.tools.map((t) => t.name)).toEqual(["gpu_health", "gpu_info", "gpu_status", "gpu_bertscore", "gpu_embed"]);
    expect(second.tools.map((t) => t.name)).toEqual(first.tools.map((t) => t.name));
    // the unit tests may run on a Node older than OpenClaw's, and then register says so
    const node = nodeVersionProblem();
    expect(first.warnings).toEqual(node ? [node] : []);
  });

  it("still registers the tools when unconfigured, warns, and each call says what to set", async () => {
    const { tools, warnings } = load(undefined);
    expect(tools).toHaveLength(5);
    const config = warnings.filter((warning) => warning !== nodeVersionProblem());
    expect(config).toHaveLength(1);
    expect(config[0]).toContain("plugins.entries.gpu-bridge.config");
    for (const tool of tools) {
      const args = tool.name === "gpu_embed" ? { texts: ["a"] } : tool.name === "gpu_bertscore" ? { candidates: ["a"], references: ["a"] } : {};
      const result = (await tool.execute("id", args)) as { details: { status: string; error: string } };
      expect(result.details.status).toBe("error");
      expect(result.details.error).toMatch(/serviceUrl is required/);
    }
  });
});
