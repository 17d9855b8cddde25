/**
 * Real agent turns through the Gateway with the mock model: the model calls one GPU Bridge tool (directly, or
 * through OpenClaw's Tool Search `tool_call` when the tools are deferred), then answers; what OpenClaw sent back to
 * the model as the tool's result is returned exactly as the model received it.
 */
import { randomUUID } from "node:crypto";
import type { OpenClawHome } from "./harness.js";
import { messageText, type ChatRequest, type MockModel } from "./mock-model.js";

export const MOCK_MODEL_REF = "mock/mock-model";

/** Config that makes the mock the agents' model; `toolSearch: false` gives the model every tool directly. */
export function mockModelConfig(mock: MockModel, options: { toolSearch?: false } = {}): Record<string, unknown> {
  return {
    models: {
      catalogRefresh: { enabled: false },
      providers: {
        mock: {
          baseUrl: mock.baseUrl,
          apiKey: "mock-key",
          api: "openai-completions",
          models: [{ id: "mock-model", name: "Mock", reasoning: false, input: ["text"], contextWindow: 128_000, maxTokens: 4096 }],
        },
      },
    },
    agents: { defaults: { model: { primary: MOCK_MODEL_REF } } },
    ...(options.toolSearch === false ? { tools: { toolSearch: false } } : {}),
  };
}

export interface TurnResult {
  /** How the model reached the tool: by its own name, or through Tool Search's `tool_call`. */
  via: "direct" | "tool_call";
  /** The tool result as the model received it (the tool message's text). */
  toolMessage: string;
  requests: ChatRequest[];
}

/** One agent turn in a new session, through the Gateway at `gateway` (CLI `openclaw agent`). */
export async function agentTurn(
  home: OpenClawHome,
  gateway: { url: string; token: string },
  mock: MockModel,
  call: { tool: string; args: Record<string, unknown> },
): Promise<TurnResult> {
  const requests: ChatRequest[] = [];
  let via: TurnResult["via"] | undefined;
  // A new session starts without tool results: the first one to come back is this call's.
  mock.script((request) => {
    requests.push(request);
    if (request.messages.some((m) => m.role === "tool")) return { text: "Done." };
    const direct = (request.tools ?? []).some((t) => t.function.name === call.tool);
    via = direct ? "direct" : "tool_call";
    return direct ? { tool: call.tool, args: call.args } : { tool: "tool_call", args: { id: call.tool, args: call.args } };
  });
  await home.cli(
    ["agent", "--session-id", randomUUID(), "--message", `Use ${call.tool}.`, "--json", "--timeout", "120"],
    180_000,
    { OPENCLAW_GATEWAY_URL: gateway.url.replace(/^http/, "ws"), OPENCLAW_GATEWAY_TOKEN: gateway.token },
  );
  const last = requests.at(-1);
  const toolMessages = (last?.messages ?? []).filter((m) => m.role === "tool");
  if (!via || toolMessages.length !== 1) {
    throw new Error(`expected one ${call.tool} result in the model's context, got ${toolMessages.length} (${requests.length} requests)`);
  }
  return { via, toolMessage: messageText(toolMessages[0] ?? { role: "tool" }), requests };
}
