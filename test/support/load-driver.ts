/**
 * Sends a fixed number of requests through the proxy from a fixed number of concurrent clients and sorts every
 * outcome: answered in time or hung, documented shape or malformed, right or wrong when it claims success.
 */
import { Agent, fetch } from "undici";

export interface LoadRequest {
  path: string;
  body: unknown;
  /** Sent as is instead of JSON.stringify(body). */
  rawBody?: string;
  contentType?: string;
  /** A client mistake: the error codes it may get (a 200 is then wrong). */
  expectCodes?: readonly string[];
  /** Returns a reason when a 200 body disagrees with the expected answer, undefined when it agrees. */
  checkAnswer(body: unknown): string | undefined;
}

/** Returns a reason when a response body is not of the documented shape for its status, undefined when it is. */
export type ShapeCheck = (path: string, status: number, body: unknown) => string | undefined;

export interface LoadOptions {
  baseUrl: string;
  apiKey?: string;
  total: number;
  concurrency: number;
  /** A request counts as hung when it has no complete answer after this long (the proxy's deadline + a margin). */
  hangAfterMs: number;
  pick(index: number): LoadRequest;
  checkShape: ShapeCheck;
  /** Called after each completed request with the number completed so far. */
  onProgress?(done: number): void;
  /** Checked before each request: true ends the run early (`total` is then an upper bound). */
  shouldStop?(): boolean;
  /** Awaited by each client (numbered from 0) before each of its requests. */
  beforeRequest?(client: number): Promise<void>;
}

export interface Sample {
  path: string;
  detail: string;
}

export interface LoadReport {
  total: number;
  ok: number;
  byStatus: Record<string, number>;
  hung: number;
  /** The proxy itself refused or dropped the connection (never expected). */
  transportErrors: number;
  malformed: number;
  wrong: number;
  samples: { hung: Sample[]; transport: Sample[]; malformed: Sample[]; wrong: Sample[] };
  /** How often each distinct problem occurred ("<status> <path> <problem>"). */
  problems: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  wallMs: number;
}

const MAX_SAMPLES = 5;

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const agent = new Agent({ connections: options.concurrency, keepAliveTimeout: 10_000 });
  const report: LoadReport = {
    total: options.total,
    ok: 0,
    byStatus: {},
    hung: 0,
    transportErrors: 0,
    malformed: 0,
    wrong: 0,
    samples: { hung: [], transport: [], malformed: [], wrong: [] },
    problems: {},
    latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 },
    wallMs: 0,
  };
  const sample = (list: Sample[], path: string, detail: string, problem = detail) => {
    if (list.length < MAX_SAMPLES) list.push({ path, detail: detail.slice(0, 300) });
    const key = `${path} ${problem.slice(0, 120)}`;
    report.problems[key] = (report.problems[key] ?? 0) + 1;
  };
  const latencies: number[] = [];
  let next = 0;
  let done = 0;
  const started = performance.now();

  const one = async (request: LoadRequest) => {
    const t0 = performance.now();
    const headers: Record<string, string> = { "content-type": request.contentType ?? "application/json" };
    if (options.apiKey) headers["x-api-key"] = options.apiKey;
    let status: number;
    let text: string;
    try {
      const response = await fetch(options.baseUrl + request.path, {
        method: "POST",
        headers,
        body: request.rawBody ?? JSON.stringify(request.body),
        dispatcher: agent,
        signal: AbortSignal.timeout(options.hangAfterMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      if (name === "TimeoutError" || name === "AbortError") {
        report.hung += 1;
        sample(report.samples.hung, request.path, `no answer after ${options.hangAfterMs} ms`);
      } else {
        report.transportErrors += 1;
        sample(report.samples.transport, request.path, describe(error));
      }
      return;
    }
    latencies.push(performance.now() - t0);
    report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      report.malformed += 1;
      sample(report.samples.malformed, request.path, `${status} not JSON: ${text}`, `${status} not JSON`);
      return;
    }
    const shapeProblem = options.checkShape(request.path, status, body);
    if (shapeProblem) {
      report.malformed += 1;
      sample(report.samples.malformed, request.path, `${status} ${shapeProblem}: ${text}`, `${status} ${shapeProblem}`);
      return;
    }
    if (request.expectCodes) {
      const code = status === 200 ? "200" : (body as { code: string }).code;
      if (request.expectCodes.includes(code)) report.ok += 1;
      else {
        report.wrong += 1;
        const problem = `bad request answered ${status} ${code}, want ${request.expectCodes.join("|")}`;
        sample(report.samples.wrong, request.path, problem);
      }
      return;
    }
    if (status !== 200) return;
    const wrong = request.checkAnswer(body);
    if (wrong) {
      report.wrong += 1;
      sample(report.samples.wrong, request.path, wrong, wrong.replace(/\[\d+\].*$/, "[i] differs"));
      return;
    }
    report.ok += 1;
  };

  const client = async (_: unknown, id: number) => {
    while (next < options.total && !options.shouldStop?.()) {
      await options.beforeRequest?.(id);
      if (next >= options.total) break;
      const index = next++;
      await one(options.pick(index));
      done += 1;
      options.onProgress?.(done);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, client));
  } finally {
    await agent.close();
  }
  report.total = done;
  report.wallMs = performance.now() - started;
  report.latencyMs = percentiles(latencies);
  return report;
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return `${e.name}: ${e.message}${e.cause ? ` (${e.cause.code ?? ""} ${e.cause.message ?? ""})` : ""}`;
}

export function percentiles(values: number[]): LoadReport["latencyMs"] {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}
