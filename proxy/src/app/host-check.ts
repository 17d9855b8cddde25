/**
 * Host allow-list. Without API_KEY a proxy on loopback answers whoever reaches it, and a web page can reach it by
 * pointing its own host name at 127.0.0.1 (DNS rebinding): the browser then sends that name as Host and Origin.
 * Such a name is never an IP address, so by default IP addresses and `localhost` pass and every other name is
 * refused (403); ALLOWED_HOSTS names more. Web-standard only.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "@gpu-bridge/contract/errors";
import type { AppEnv } from "./types.js";

/** ALLOWED_HOSTS entries (`*`, `name`, `.domain`), or "local": IP addresses and localhost only. */
export type HostPolicy = readonly string[] | "local";

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function isLocal(hostname: string): boolean {
  return IPV4.test(hostname) || hostname.startsWith("[") || hostname === "localhost" || hostname.endsWith(".localhost");
}

export function hostAllowed(policy: HostPolicy, hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (policy === "local") return isLocal(host);
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

export function hostCheck(policy: HostPolicy): MiddlewareHandler<AppEnv> {
  const refuse = (what: string) =>
    new ApiError("host_not_allowed", `${what} is not an allowed host: set ALLOWED_HOSTS, or API_KEY to require a key instead`);
  return async (c, next) => {
    // The request URL's host is the Host header (on Node built from it, on Workers the routed host name).
    const host = hostnameOf(c.req.url);
    if (host === undefined || !hostAllowed(policy, host)) throw refuse(`Host '${host ?? ""}'`);
    const origin = c.req.header("origin");
    if (origin !== undefined) {
      const originHost = hostnameOf(origin);
      if (originHost === undefined || !hostAllowed(policy, originHost)) throw refuse(`Origin '${origin}'`);
    }
    return next();
  };
}
