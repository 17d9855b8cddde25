/**
 * Throughput of one request shape from a fixed number of clients (test/reliability/load-driver.ts), after a short
 * warm-up; every answer must be a 200 that passes the scenario's check, or the measurement fails.
 */
import { Agent, fetch } from "undici";
import { runLoad, type LoadReport } from "@gpu-bridge/test-support/load-driver";

export interface Scenario {
  name: string;
  path: string;
  clients: number;
  requests: number;
  /** Texts (or pairs) per request, for items/s. */
  items: number;
  body(index: number): unknown;
  /** A reason when a 200 body is not a right answer, else undefined. */
  check(body: unknown): string | undefined;
}

export interface Throughput {
  itemsPerSecond: number;
  requestsPerSecond: number;
  report: LoadReport;
}

export async function measureThroughput(baseUrl: string, scenario: Scenario): Promise<Throughput> {
  const options = {
    baseUrl,
    concurrency: scenario.clients,
    hangAfterMs: 300_000,
    pick: (index: number) => ({ path: scenario.path, body: scenario.body(index), checkAnswer: scenario.check }),
    checkShape: (_path: string, status: number, body: unknown) => (status === 200 ? undefined : `status ${status}: ${JSON.stringify(body).slice(0, 200)}`),
  };
  await runLoad({ ...options, total: scenario.clients * 2 });
  const report = await runLoad({ ...options, total: scenario.requests });
  const failed = report.total - report.ok;
  if (failed > 0) throw new Error(`${scenario.name} on ${baseUrl}: ${failed} of ${report.total} requests failed: ${JSON.stringify(report.problems)}`);
  const seconds = report.wallMs / 1000;
  return { itemsPerSecond: (report.total * scenario.items) / seconds, requestsPerSecond: report.total / seconds, report };
}

export interface Side {
  itemsPerSecond: number;
  requests: number;
  /** Per turn. */
  latencyMs: LoadReport["latencyMs"][];
}

export interface Comparison {
  ours: Side;
  theirs: Side;
  ratio: number;
}

/**
 * Ours against a peer on the same scenario, in `rounds` alternating turns of requests/rounds each (the machine is
 * shared: a slow spell then weighs on both sides), summed per side. `during` runs beside each turn's load (a probe).
 */
export async function compareThroughput(
  ours: { url: string; scenario: Scenario },
  theirs: { url: string; scenario: Scenario },
  rounds: number,
  during?: (side: "ours" | "theirs", url: string, load: Promise<unknown>) => Promise<unknown>,
): Promise<Comparison> {
  const turns: Record<"ours" | "theirs", Throughput[]> = { ours: [], theirs: [] };
  for (let round = 0; round < rounds; round++) {
    for (const side of ["ours", "theirs"] as const) {
      const { url, scenario } = side === "ours" ? ours : theirs;
      const load = measureThroughput(url, { ...scenario, requests: Math.max(scenario.clients, Math.round(scenario.requests / rounds)) });
      await during?.(side, url, load);
      turns[side].push(await load);
    }
  }
  const sum = (list: Throughput[], items: number): Side => {
    const requests = list.reduce((n, t) => n + t.report.total, 0);
    const seconds = list.reduce((n, t) => n + t.report.wallMs, 0) / 1000;
    return { itemsPerSecond: (requests * items) / seconds, requests, latencyMs: list.map((t) => t.report.latencyMs) };
  };
  const a = sum(turns.ours, ours.scenario.items);
  const b = sum(turns.theirs, theirs.scenario.items);
  return { ours: a, theirs: b, ratio: a.itemsPerSecond / b.itemsPerSecond };
}

/** GET `url` one after another, `gapMs` apart, until `until` settles; the latencies in ms. */
export async function probeLatency(url: string, gapMs: number, until: Promise<unknown>) {
  const agent = new Agent({ connections: 1 });
  const latencies: number[] = [];
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  try {
    while (!done) {
      const t0 = performance.now();
      const response = await fetch(url, { dispatcher: agent, signal: AbortSignal.timeout(60_000) });
      await response.text();
      if (!response.ok) throw new Error(`${url} answered ${response.status} under load`);
      latencies.push(performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  } finally {
    await agent.close();
  }
  return latencies;
}

const SENTENCES = [
  "The cat sat on the mat.",
  "A quick brown fox jumps over the lazy dog near the river bank.",
  "Embeddings map sentences to points in a vector space.",
  "BERTScore matches tokens of a candidate with those of a reference by cosine similarity.",
  "The weather was pleasant and the streets were full of people.",
  "Ein kurzer Satz auf Deutsch mit Umlauten: Grüße aus München.",
];
/** A short sentence, distinct per index (no answer cache can help). */
export const sentence = (i: number) => `${SENTENCES[i % SENTENCES.length]} (${i})`;
export const sentences = (start: number, count: number) => Array.from({ length: count }, (_, k) => sentence(start + k));

export const ratio = (ours: number, peer: number) => ours / peer;
