/**
 * Node's way to reach upstreams: undici's request() over one keep-alive connection pool per proxy. request() skips
 * fetch()'s web Request/Response objects and streams, the larger part of a proxied call's own cost.
 */
import { Agent, request, type Dispatcher } from "undici";
import type { FetchFn, UpstreamResponse } from "../kserve/client.js";

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

function upstreamResponse(res: Dispatcher.ResponseData): UpstreamResponse {
  const { statusCode: status, body } = res;
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: headersOf(res.headers),
    arrayBuffer: () => body.arrayBuffer(),
    text: () => body.text(),
    body: { cancel: () => body.dump() },
  };
}

export function keepAliveFetch(connectionsPerOrigin: number): KeepAliveFetch {
  const agent = new Agent({ connections: connectionsPerOrigin, keepAliveTimeout: 30_000, pipelining: 1 });
  return {
    fetch: async (url, init) => upstreamResponse(await request(url, { ...init, dispatcher: agent })),
    close: () => agent.close(),
  };
}

/** An in-process handler (the embedded runtime) as a FetchFn. */
export function handlerFetch(handler: (request: Request) => Promise<Response>): FetchFn {
  return (url, init) => handler(new Request(url, init));
}
