/**
 * Client connections on Node, past what Node's server bounds by itself: HTTP_MAX_CONNECTIONS is shared by every
 * client, so one address (no key needed) could hold all of it with half-sent requests, re-opened on each 408.
 * Connections from one address (IPv6: one /64, what one host is usually given) past HTTP_MAX_CONNECTIONS_PER_CLIENT
 * are closed as they are accepted. Refused and
 * timed-out connections are counted (/metrics) and logged: the first of each kind at once, then at most one line
 * per LOG_INTERVAL_MS with the count since, so that a flood does not flood the log.
 */
import { STATUS_CODES, type Server } from "node:http";
import type { Socket } from "node:net";
import type { LogSink } from "../app/types.js";

export type RefusalReason = "per_client" | "max_connections";

export interface ConnectionCounters {
  refused(reason: RefusalReason): void;
  timedOut(): void;
}

export interface ConnectionGuardOptions {
  maxPerClient: number;
  counters: ConnectionCounters;
  log: LogSink | undefined;
}

const LOG_INTERVAL_MS = 10_000;

/** Node's own answer to a client error (node's _http_server.js), which a `clientError` listener replaces. */
function clientErrorResponse(code: unknown): string {
  const status = code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : code === "HPE_HEADER_OVERFLOW" ? 431 : code === "HPE_CHUNK_EXTENSIONS_OVERFLOW" ? 413 : 400;
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`;
}

/** The client an address counts for: an IPv4 address as it is (also IPv4-mapped), an IPv6 address by its /64. */
export function clientKey(address: string): string {
  if (!address.includes(":") || /^::ffff:\d/i.test(address)) return address;
  const [head = "", tail = ""] = address.toLowerCase().split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = address.includes("::") && tail ? tail.split(":") : [];
  const groups = address.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** One log line for the first event of a kind, then one per interval with how many came since. */
function throttledLog(log: LogSink | undefined, msg: string): (fields: Record<string, unknown>) => void {
  let lastAt = -Infinity;
  let since = 0;
  return (fields) => {
    since += 1;
    const now = Date.now();
    if (now - lastAt < LOG_INTERVAL_MS) return;
    log?.({ time: new Date(now).toISOString(), level: "warn", msg, count: since, ...fields });
    lastAt = now;
    since = 0;
  };
}

export function guardConnections(server: Server, { maxPerClient, counters, log }: ConnectionGuardOptions): void {
  const open = new Map<string, number>();
  const logRefused = throttledLog(log, "connections refused");
  const logTimedOut = throttledLog(log, "connections timed out");

  server.on("connection", (socket: Socket) => {
    const address = clientKey(socket.remoteAddress ?? "");
    const count = open.get(address) ?? 0;
    if (count >= maxPerClient) {
      counters.refused("per_client");
      logRefused({ reason: "per_client", limit: "HTTP_MAX_CONNECTIONS_PER_CLIENT", client: address });
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });

  // Node drops connections past server.maxConnections before "connection", and says so with "drop".
  server.on("drop", (data?: { remoteAddress?: string }) => {
    counters.refused("max_connections");
    logRefused({ reason: "max_connections", limit: "HTTP_MAX_CONNECTIONS", client: data?.remoteAddress });
  });

  // Node's request and header deadlines end a connection as a client error; listening replaces Node's answer to
  // every client error, so it is given as Node gives it.
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket & { _httpMessage?: { _headerSent?: boolean } | null }) => {
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      counters.timedOut();
      logTimedOut({ limit: "HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS", client: socket.remoteAddress });
    }
    if (socket.writable && !socket._httpMessage?._headerSent) socket.write(clientErrorResponse(err.code));
    socket.destroy(err);
  });
}
