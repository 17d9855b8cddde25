/** Node's way to reach upstreams: undici's fetch over one keep-alive connection pool per proxy. */
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from "undici";
import type { FetchFn } from "../kserve/client.js";

export interface KeepAliveFetch {
  fetch: FetchFn;
  close(): Promise<void>;
}

export function keepAliveFetch(connectionsPerOrigin: number): KeepAliveFetch {
  const agent = new Agent({ connections: connectionsPerOrigin, keepAliveTimeout: 30_000, pipelining: 1 });
  return {
    fetch: (url, init) =>
      undiciFetch(url, { ...(init as UndiciRequestInit), dispatcher: agent }) as unknown as Promise<Response>,
    close: () => agent.close(),
  };
}

/** An in-process handler (the embedded runtime) as a FetchFn. */
export function handlerFetch(handler: (request: Request) => Promise<Response>): FetchFn {
  return (url, init) => handler(new Request(url, init));
}
