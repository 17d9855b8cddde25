/**
 * An OpenAI-style chat-completions model on loopback for real agent turns: it records every request it receives
 * (what OpenClaw puts into the model's context) and answers with the next step of a script: call a tool, then
 * reply with text once the tool's result has arrived. Answers stream (SSE) when asked to, as OpenAI does.
 */
import { once } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  name?: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown } }[];
  stream?: boolean;
}

/** What the model does next: call one tool, or answer with text. */
export type Step = { tool: string; args: unknown } | { text: string };

export interface MockModel {
  readonly baseUrl: string;
  readonly requests: ChatRequest[];
  /** Sets how the model answers each following request. */
  script(next: (request: ChatRequest) => Step): void;
  close(): Promise<void>;
}

/** The text of a message's content, whether a string or a list of text parts. */
export function messageText(message: ChatMessage): string {
  if (typeof message.content === "string") return message.content;
  if (Array.isArray(message.content)) {
    return message.content.map((part) => (part as { text?: string }).text ?? "").join("");
  }
  return "";
}

function sse(res: ServerResponse, chunks: unknown[]): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  res.end("data: [DONE]\n\n");
}

function answer(res: ServerResponse, request: ChatRequest, step: Step, turn: number): void {
  const id = `chatcmpl-mock-${turn}`;
  const created = Math.floor(Date.now() / 1000);
  const message =
    "text" in step
      ? { role: "assistant", content: step.text }
      : {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: `call_${turn}`, type: "function", function: { name: step.tool, arguments: JSON.stringify(step.args) } },
          ],
        };
  const finish = "text" in step ? "stop" : "tool_calls";
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  if (!request.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id, object: "chat.completion", created, model: request.model, choices: [{ index: 0, message, finish_reason: finish }], usage }));
    return;
  }
  const delta =
    "text" in step
      ? { role: "assistant", content: step.text }
      : { role: "assistant", tool_calls: message.tool_calls?.map((call, index) => ({ index, ...call })) };
  const chunk = (choice: unknown, extra: Record<string, unknown> = {}) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: request.model,
    choices: choice === undefined ? [] : [choice],
    ...extra,
  });
  sse(res, [
    chunk({ index: 0, delta, finish_reason: null }),
    chunk({ index: 0, delta: {}, finish_reason: finish }),
    chunk(undefined, { usage }),
  ]);
}

export async function startMockModel(): Promise<MockModel> {
  const requests: ChatRequest[] = [];
  let next: (request: ChatRequest) => Step = () => ({ text: "ok" });
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (req.method === "GET" && req.url?.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data: [{ id: "mock-model", object: "model" }] }));
        return;
      }
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
        return;
      }
      const request = JSON.parse(body) as ChatRequest;
      requests.push(request);
      try {
        answer(res, request, next(request), requests.length);
      } catch (error) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: String(error) } }));
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script(fn) {
      next = fn;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
