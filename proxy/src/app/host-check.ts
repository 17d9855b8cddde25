/**
 * Host allow-list. Without API_KEY a proxy on loopback answers whoever reaches it, and a web page can reach it by
 * pointing its own host name at 127.0.0.1 (DNS rebinding): the browser then sends that name as Host and Origin.
 * Such a name is never an IP address, so IP addresses and `localhost` always pass (health probes address the
 * proxy by IP: compose's healthcheck 127.0.0.1, the kubelet the pod's IP), and by default every other name is
 * refused (403); ALLOWED_HOSTS names the others that pass. /health is never refused: it holds no data, and
 * probes by service name (a container's `Host: proxy`) must not fail on a missing entry. Web-standard only.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "@gpu-bridge/contract/errors";
import type { AppEnv } from "./types.js";

/** ALLOWED_HOSTS entries (`*`, `name`, `.domain`), or "local": IP addresses and localhost only. */
export type HostPolicy = readonly string[] | "local";

/** Paths answered whatever the Host: readiness holds no data. */
const ANY_HOST_PATHS = new Set(["/health"]);

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function isLocal(hostname: string): boolean {
  return IPV4.test(hostname) || hostname.startsWith("[") || hostname === "localhost" || hostname.endsWith(".localhost");
}

export function hostAllowed(policy: HostPolicy, hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (isLocal(host)) return true;
  if (policy === "local") return false;
  return policy.some((entry) => entry === "*" || entry === host || (entry.startsWith(".") && (host.endsWith(entry) || host === entry.slice(1))));
}

/** The host name of an absolute URL (the URL parser also normalises IPv4 forms such as `0x7f.1`), or undefined. */
function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** The 403, saying what to set: under the default policy API_KEY is unset, under a list only the list decides. */
function refusal(policy: HostPolicy, what: string, host: string): ApiError {
  const fix =
    policy === "local"
      ? `add '${host}' to ALLOWED_HOSTS (unset, only IP addresses and localhost pass), or set API_KEY to require a key instead`
      : `add '${host}' to ALLOWED_HOSTS`;
  return new ApiError("host_not_allowed", `${what} is not an allowed host: ${fix}`);
}

export function hostCheck(policy: HostPolicy): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (ANY_HOST_PATHS.has(c.req.path)) return next();
    // The request URL's host is the Host header (on Node built from it, on Workers the routed host name).
    const host = hostnameOf(c.req.url);
    if (host === undefined || !hostAllowed(policy, host)) throw refusal(policy, `Host '${host ?? ""}'`, host ?? "");
    const origin = c.req.header("origin");
    if (origin !== undefined) {
      const originHost = hostnameOf(origin);
      if (originHost === undefined || !hostAllowed(policy, originHost)) throw refusal(policy, `Origin '${origin}'`, originHost ?? origin);
    }
    return next();
  };
}
