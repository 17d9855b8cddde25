/**
 * The plain block `npm start` (and the quick start, which ends in it) prints once the proxy serves: where it
 * listens, which model answers each task and what stands in for what, which models the embedded runtime skipped and
 * why, a request to try, how to stop and how to move it. Built from the proxy's own /info answer, so it says what a
 * client would be told.
 */
import type { InfoResponse } from "@gpu-bridge/contract/schemas";

export interface SummaryInput {
  url: string;
  /** How the upstream is reached: the embedded runtime, or TRITON_URL's list. */
  upstream: string;
  /** Whether requests need the key: the curl then sends it from $API_KEY. */
  keyRequired: boolean;
  /** /info's answer, or undefined when no upstream answered it yet. */
  info: InfoResponse | undefined;
  /** Models the embedded runtime found but does not serve, each with why (Triton reports its own in its log). */
  skipped: readonly (readonly [model: string, reason: string])[];
}

function modelsOf(info: InfoResponse, task: string): string[] {
  const prefix = `${task}:`;
  return info.loaded_models.filter((m) => m.startsWith(prefix)).map((m) => m.slice(prefix.length));
}

function taskLine(info: InfoResponse, task: "embed" | "bertscore"): string {
  const served = modelsOf(info, task);
  const fallback = task === "embed" ? info.embed_model : info.bertscore_model;
  const list = served.map((m) => (m === fallback ? `${m} (default)` : m)).join(", ");
  return `  ${task.padEnd(10)} ${list || "none served"}`;
}

export function startSummary({ url, upstream, keyRequired, info, skipped }: SummaryInput): string {
  const key = keyRequired ? ` -H "X-API-Key: $API_KEY"` : "";
  const lines = [
    "",
    `GPU Bridge is serving at ${url}`,
    `  upstream   ${upstream}`,
    ...(info
      ? [
          taskLine(info, "embed"),
          taskLine(info, "bertscore"),
          // /info's notes: a default model that is not served and the one standing in for it
          ...info.notes.map((note) => `  note       ${note} (to serve it, see README, "How to add a model")`),
        ]
      : ["  models     not known yet: the upstream did not answer /info (GET /health says when it is ready)"]),
    ...skipped.map(([model, reason]) => `  skipped    ${model}: ${reason}`),
    `Try it:      curl -X POST ${url}/embed -H "Content-Type: application/json"${key} -d '{"texts": ["hello world"]}'`,
    `API docs:    ${url}/docs`,
    "Stop:        Ctrl-C",
    "Other port:  PORT=8766 npm start   (HOST=0.0.0.0 to listen on every interface)",
    "",
  ];
  return lines.join("\n");
}
