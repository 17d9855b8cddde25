/**
 * How much of a GPU Bridge tool result reaches the model's context, measured on real agent turns through the
 * Gateway (mock model on loopback), in OpenClaw's default Tool Search mode and in direct mode. Prints one line per
 * call and writes the tool messages to MEASURE_OUT (default .cache/context-measure.json).
 *
 *   MODEL_REPOSITORY=triton-models PLUGIN_DIR=plugin bash test/openclaw/run.sh --measure
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { agentTurn, mockModelConfig } from "./agent-turn.js";
import { OpenClawHome, repoRoot, startProxy, stop } from "./harness.js";
import { startMockModel } from "./mock-model.js";

const repository = resolve(repoRoot, process.env.MODEL_REPOSITORY ?? "test/fixtures/model-repository");
const pluginDir = resolve(repoRoot, process.env.PLUGIN_DIR ?? "plugin");
const out = resolve(repoRoot, process.env.MEASURE_OUT ?? ".cache/context-measure.json");
/** models.embed / models.bertscore for the plugin, as JSON (default: none, the proxy's defaults). */
const models = process.env.MEASURE_MODELS ? (JSON.parse(process.env.MEASURE_MODELS) as Record<string, string>) : undefined;
/** 64: the most one call embeds until requests are split into the model's max_batch_size. */
const many = Array.from({ length: 64 }, (_, i) => `Sentence number ${i} about ${["cats", "rain", "GPUs", "mangoes"][i % 4]}.`);
const CALLS = [
  { name: "gpu_embed, 1 text", tool: "gpu_embed", args: { texts: ["The weather is lovely today."] } },
  { name: "gpu_embed, 3 texts", tool: "gpu_embed", args: { texts: ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."] } },
  { name: "gpu_embed, 64 texts", tool: "gpu_embed", args: { texts: many } },
  { name: "gpu_bertscore, 2 pairs", tool: "gpu_bertscore", args: { candidates: ["The cat sat on the mat.", "It is raining."], references: ["A cat was sitting on the mat.", "It rains."] } },
];

const apiKey = randomUUID();
const token = randomUUID();
const proxy = await startProxy(apiKey, repository);
const mock = await startMockModel();
const results: { mode: string; call: string; via: string; chars: number; toolMessage: string }[] = [];
try {
  for (const mode of ["tool search (default)", "direct (tools.toolSearch false)"]) {
    const home = new OpenClawHome();
    try {
      home.writeSeedConfig(mockModelConfig(mock, mode.startsWith("direct") ? { toolSearch: false } : {}));
      await home.cli(["plugins", "install", "-l", pluginDir, "--force", "--accept-capabilities"]);
      await home.cli(["config", "set", "plugins.entries.gpu-bridge.config", JSON.stringify({ serviceUrl: proxy.url, apiKey, ...(models ? { models } : {}) }), "--strict-json"]);
      await home.cli(["plugins", "enable", "gpu-bridge"]);
      const gateway = await home.startGateway(token);
      try {
        for (const call of CALLS) {
          const turn = await agentTurn(home, { url: gateway.url, token }, mock, call);
          results.push({ mode, call: call.name, via: turn.via, chars: turn.toolMessage.length, toolMessage: turn.toolMessage });
          console.log(`${mode} | ${call.name} | via ${turn.via} | ${turn.toolMessage.length} characters`);
        }
      } finally {
        await stop(gateway.child);
      }
    } finally {
      home.remove();
    }
  }
} finally {
  await mock.close();
  await stop(proxy.child);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ repository, pluginDir: join(pluginDir), results }, null, 2));
