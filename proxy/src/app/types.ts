/** Shared types of the Hono app: its environment and the hooks a host (Node, Workers) plugs in. */
import type { RequestIdVariables } from "hono/request-id";

export type AppEnv = { Variables: RequestIdVariables & { errorCode?: string } };

/** Request metrics; on Node backed by prom-client, absent on Workers (no /metrics there). */
export interface Metrics {
  requestStarted(): void;
  requestFinished(labels: { method: string; route: string; status: number }, seconds: number): void;
  slotsInUse(count: number): void;
  upstreamError(kind: string): void;
  /** Calls in flight to one upstream, labelled by its position in TRITON_URL (never its URL: it may hold credentials). */
  upstreamInFlight(upstream: number, count: number): void;
  render(): Promise<{ body: string; contentType: string }>;
}

/** One structured log line (JSON object) per call. */
export type LogSink = (entry: Record<string, unknown>) => void;
