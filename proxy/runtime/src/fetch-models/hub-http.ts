/**
 * HTTP as fetch-models speaks it to the Hugging Face hub and its storage hosts: through the proxy the environment
 * names (HTTPS_PROXY, HTTP_PROXY, NO_PROXY and their lower-case spellings, as curl reads them), redirects followed
 * here so that a failure names the storage host it happened on and `Authorization` never leaves the hub's origin,
 * 429 and 5xx answers retried with exponential back-off (the hub's Retry-After when it gives one), and errors that
 * say what happened and what to do about it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { EnvHttpProxyAgent, fetch as undiciFetch } from "undici";

export type FetchFn = (url: string, init: { headers: Record<string, string>; redirect: "manual" }) => Promise<Response>;

/** Attempts per request, the first included: 1 + 2 + 4 + 8 s of back-off at most when the hub names no delay. */
export const MAX_ATTEMPTS = 5;
/** A Retry-After longer than this is not waited for: the run stops and says when to try again. */
export const MAX_RETRY_AFTER_S = 120;
const RETRIED = new Set([408, 429, 500, 502, 503, 504]);
const MAX_REDIRECTS = 5;

/**
 * Where the hub redirects downloads: its large-file and Xet storage and its CDN, as the hub's published list of
 * domains (https://huggingface.co/.well-known/meta.json) and its Xet bridge name them.
 */
export const HUB_STORAGE_HOSTS =
  "cdn-lfs.hf.co, cdn-lfs-us-1.hf.co, cdn-lfs-eu-1.hf.co, cas-bridge.xethub.hf.co, transfer.xethub.hf.co, *.cdn.hf.co";
const TOKEN_PAGE = "https://huggingface.co/settings/tokens";

/** The hub (or the proxy in front of it) could not be reached at all, as opposed to answering an error. */
export class HubUnreachableError extends Error {
  override name = "HubUnreachableError";
}

/** The hub answered 401 or 403: a refused token, or a repository that needs one. Never a reason to fall back. */
export class HubAuthError extends Error {
  override name = "HubAuthError";
}

/** The hub redirected a download to a storage host that could not be reached (a firewall allowing the hub alone). */
export class StorageUnreachableError extends Error {
  override name = "StorageUnreachableError";
}

/** An HTTP error answer that retrying did not cure (or that retrying cannot). */
export class HubHttpError extends Error {
  override name = "HubHttpError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

let agent: { key: string; dispatcher: EnvHttpProxyAgent } | undefined;

/** undici's agent for the proxy variables as they are now (read once per distinct setting, as curl does per run). */
function envDispatcher(): EnvHttpProxyAgent {
  const key = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"].map((name) => process.env[name] ?? "").join("\n");
  if (agent?.key !== key) agent = { key, dispatcher: new EnvHttpProxyAgent() };
  return agent.dispatcher;
}

/** fetch through the environment's proxy; NO_PROXY is read by undici on each request. */
export const proxiedFetch: FetchFn = async (url, init) =>
  // async: a proxy variable undici cannot parse rejects, as any other failure to connect
  (await undiciFetch(url, { ...init, dispatcher: envDispatcher() })) as unknown as Response;

/** The proxy a request to `url` goes through, as undici chooses it (for messages only). */
export function proxyFor(url: string): string | undefined {
  const https = new URL(url).protocol === "https:";
  const proxy = https
    ? (process.env.https_proxy ?? process.env.HTTPS_PROXY ?? process.env.http_proxy ?? process.env.HTTP_PROXY)
    : (process.env.http_proxy ?? process.env.HTTP_PROXY);
  return proxy || undefined;
}

export interface HubRequest {
  url: string;
  headers?: Record<string, string>;
  fetchFn?: FetchFn;
  /** Told of each retry, with the reason and the delay. */
  log?: (message: string) => void;
  /** Waits between attempts (tests give one that does not wait). */
  wait?: (ms: number) => Promise<unknown>;
}

/** Seconds to wait as a Retry-After header says (delta-seconds or an HTTP date), or undefined. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The errors behind a failed fetch, outermost first (undici wraps the socket's or the proxy's error). */
function causes(err: unknown): (Error & { code?: unknown })[] {
  const chain: (Error & { code?: unknown })[] = [];
  for (let e = err as (Error & { cause?: unknown }) | undefined; e instanceof Error && chain.length < 8; e = e.cause as Error) {
    chain.push(e);
  }
  return chain;
}

function networkReason(err: unknown): string {
  const chain = causes(err);
  const coded = chain.find((e) => typeof e.code === "string" && !e.code.startsWith("UND_ERR"));
  return (coded?.code as string | undefined) ?? chain.at(-1)?.message ?? String(err);
}

/** The status a proxy answered a tunnel (CONNECT) request with, where that is why the request failed. */
function proxyStatus(err: unknown): number | undefined {
  for (const e of causes(err)) {
    const match = /Proxy response \((\d+)\)/.exec(e.message);
    if (match) return Number(match[1]);
  }
  return undefined;
}

const PROXY_CREDENTIALS = "put them in HTTPS_PROXY as http://user:password@host:port";

function unreachable(url: string, err: unknown, redirectedFrom: string | undefined): Error {
  const host = new URL(url).host;
  const proxy = proxyFor(url);
  const via = proxy ? ` through the proxy ${redactCredentials(proxy)}` : "";
  const status = proxyStatus(err);
  if (status === 407) return new HubHttpError(`GET ${url}: the proxy asks for credentials (407): ${PROXY_CREDENTIALS}`, 407);
  const reason = status === undefined ? networkReason(err) : `the proxy answered ${status}`;
  if (redirectedFrom !== undefined) {
    return new StorageUnreachableError(
      `GET ${redirectedFrom}: the hub sent the download to its storage host ${host}, which could not be reached${via}` +
        ` (${reason}). A firewall or proxy that lets the hub through must also allow its storage hosts` +
        ` (${HUB_STORAGE_HOSTS}).`,
    );
  }
  const advice = proxy
    ? "check HTTPS_PROXY / HTTP_PROXY (and NO_PROXY)"
    : "if this network reaches the internet through a proxy, set HTTPS_PROXY (and NO_PROXY for hosts to reach directly)";
  return new HubUnreachableError(`GET ${url}: could not reach ${host}${via} (${reason}); ${advice}`);
}

function redactCredentials(proxy: string): string {
  return proxy.replace(/\/\/[^/@]*@/, "//***@");
}

/** The hub's JSON error (`{"error": "..."}`) or its X-Error-Message header, for messages. */
async function hubErrorText(res: Response): Promise<string> {
  const header = res.headers.get("x-error-message");
  const body = await res.text().catch(() => "");
  let error: unknown;
  try {
    error = (JSON.parse(body) as { error?: unknown }).error;
  } catch {
    error = undefined;
  }
  const text = typeof error === "string" ? error : (header ?? "");
  return text ? `: ${text}` : "";
}

async function refused(url: string, res: Response, hasToken: boolean): Promise<Error> {
  const text = await hubErrorText(res);
  if (res.status === 407) {
    return new HubHttpError(
      `GET ${url}: the proxy asks for credentials (407${text}): ${PROXY_CREDENTIALS}`,
      407,
    );
  }
  if (hasToken) {
    return new HubAuthError(
      `GET ${url}: the hub refused your HF_TOKEN (${res.status}${text}): unset HF_TOKEN, or renew it at ${TOKEN_PAGE}`,
    );
  }
  return new HubAuthError(
    `GET ${url}: the hub asks for a token (${res.status}${text}): the repository is gated or private; set HF_TOKEN` +
      ` to a token that may read it (${TOKEN_PAGE})`,
  );
}

const sameOrigin = (a: string, b: string) => new URL(a).origin === new URL(b).origin;

/**
 * GET `url` and answer the final 2xx (or 416) response: redirects followed with `Authorization` kept to the origin
 * it was meant for, 429/5xx retried (Retry-After honoured, bounded), network failures and refusals thrown as the
 * errors above. The body of the answer is the caller's to read.
 */
export async function hubGet(request: HubRequest): Promise<Response> {
  const fetchFn = request.fetchFn ?? proxiedFetch;
  const wait = request.wait ?? sleep;
  const hasToken = Object.keys(request.headers ?? {}).some((name) => name.toLowerCase() === "authorization");
  for (let attempt = 1; ; attempt++) {
    let url = request.url;
    let headers = { ...request.headers };
    let redirectedFrom: string | undefined;
    let res: Response;
    for (let redirects = 0; ; redirects++) {
      res = await fetchFn(url, { headers, redirect: "manual" }).catch((err: unknown) => {
        throw unreachable(url, err, redirectedFrom);
      });
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) break;
      if (redirects === MAX_REDIRECTS) throw new HubHttpError(`GET ${request.url}: more than ${MAX_REDIRECTS} redirects`, res.status);
      await res.body?.cancel();
      const next = new URL(location, url).href;
      if (!sameOrigin(next, url)) {
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "authorization"));
      }
      redirectedFrom ??= request.url;
      url = next;
    }
    if (res.ok || res.status === 416) return res;
    const fromHub = redirectedFrom === undefined;
    if (res.status === 407 || (fromHub && (res.status === 401 || res.status === 403))) throw await refused(url, res, hasToken);
    const retryAfter = retryAfterSeconds(res.headers.get("retry-after"));
    const server = fromHub ? "the hub" : `the storage host ${new URL(url).host}`;
    const what = res.status === 429 ? `rate-limited by ${server} (429)` : `${server} answered ${res.status}`;
    await res.body?.cancel();
    if (!RETRIED.has(res.status)) throw new HubHttpError(`GET ${url}: HTTP ${res.status}`, res.status);
    if (attempt === MAX_ATTEMPTS) {
      throw new HubHttpError(`GET ${url}: ${what} ${MAX_ATTEMPTS} times; try again later`, res.status);
    }
    if (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_S) {
      throw new HubHttpError(`GET ${url}: ${what}, asking to wait ${retryAfter} s; try again then`, res.status);
    }
    const delay = retryAfter ?? 2 ** (attempt - 1);
    request.log?.(`${what}: retrying in ${delay} s (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`);
    await wait(delay * 1000);
  }
}
