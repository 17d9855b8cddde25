/**
 * Node's way to reach upstreams: undici's request() over one keep-alive connection pool per proxy. request() skips
 * fetch()'s web Request/Response objects and streams, the larger part of a proxied call's own cost.
 */
import { Agent, request, type Dispatcher } from "undici";
import type { FetchFn, UpstreamResponse } from "@gpu-bridge/kserve/client";
import type { ChunkReader } from "@gpu-bridge/bytes/read-at-most";

export interface KeepAliveFetch {
  fetch: FetchFn;
  close(): Promise<void>;
}

function headersOf(raw: Dispatcher.ResponseData["headers"]): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

/** The body's chunks as they arrive; cancel() destroys the body, closing its connection. */
function chunkReader(body: Dispatcher.ResponseData["body"]): ChunkReader {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return {
    read: async () => {
      const next = await chunks.next();
      if (next.done) return { done: true, value: undefined };
      // A plain view of the Buffer: Buffer's slice() does not copy, and decoders rely on Uint8Array's.
      return { done: false, value: new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength) };
    },
    cancel: async () => {
      // undici reports a body destroyed before its end as an error event; here that end is the point.
      body.on("error", () => {});
      body.destroy();
    },
  };
}

function upstreamResponse(res: Dispatcher.ResponseData): UpstreamResponse {
  const { statusCode: status, body } = res;
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: headersOf(res.headers),
    body: { getReader: () => chunkReader(body), cancel: () => body.dump() },
  };
}

export function keepAliveFetch(connectionsPerOrigin: number): KeepAliveFetch {
  const agent = new Agent({ connections: connectionsPerOrigin, keepAliveTimeout: 30_000, pipelining: 1 });
  return {
    // request() never follows redirects (that takes undici's redirect interceptor): `redirect` is fetch's option.
    fetch: async (url, { redirect: _manual, ...init }) => upstreamResponse(await request(url, { ...init, dispatcher: agent })),
    close: () => agent.close(),
  };
}
