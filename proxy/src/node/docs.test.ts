/**
 * /docs on Node: Swagger UI from the pinned swagger-ui-dist, every script and stylesheet the page loads served by
 * the proxy itself (same origin, no CDN), public with API_KEY set as /openapi.json; DOCS_ENABLED=false removes them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FIXTURE_ENV } from "@gpu-bridge/test-support/fixture-env";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { startProxy, type RunningProxy } from "./server.js";

let proxy: RunningProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function start(env: Record<string, string>): Promise<RunningProxy> {
  proxy = await startProxy({ ...FIXTURE_ENV, MODEL_REPOSITORY: FIXTURE_REPOSITORY, PORT: "0", ...env }, { log: () => {} });
  return proxy;
}

/** The URLs of the page's scripts and stylesheets, resolved as a browser resolves them. */
function pageResources(html: string, pageUrl: string): { scripts: URL[]; styles: URL[] } {
  const attr = (re: RegExp) => [...html.matchAll(re)].map((m) => new URL(m[1] as string, pageUrl));
  return { scripts: attr(/<script[^>]*\ssrc="([^"]+)"/g), styles: attr(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g) };
}

describe("/docs on Node", () => {
  it("loads only same-origin scripts and styles, which answer 200 with JS and CSS, without the key", async () => {
    const { url } = await start({ API_KEY: "docs-key" });
    const page = await fetch(`${url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    // no inline script: the page works under its own script-src 'self'
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const { scripts, styles } = pageResources(html, `${url}/docs`);
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    expect(styles.length).toBeGreaterThanOrEqual(1);
    for (const resource of [...scripts, ...styles]) expect(resource.origin, resource.href).toBe(new URL(url).origin);
    const bodies: string[] = [];
    for (const script of scripts) {
      const res = await fetch(script);
      expect(res.status, script.href).toBe(200);
      expect(res.headers.get("content-type"), script.href).toContain("text/javascript");
      bodies.push(await res.text());
    }
    // the bundle defines what the initialiser calls, and the initialiser loads this proxy's OpenAPI document
    expect(bodies.join("\n")).toContain("SwaggerUIBundle");
    expect(bodies.at(-1)).toContain('url: "openapi.json"');
    for (const style of styles) {
      const res = await fetch(style);
      expect(res.status, style.href).toBe(200);
      expect(res.headers.get("content-type"), style.href).toContain("text/css");
      expect((await res.text()).length).toBeGreaterThan(10_000);
    }
    const openapi = await fetch(new URL("openapi.json", `${url}/docs`));
    expect(openapi.status).toBe(200);
    expect(((await openapi.json()) as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("serves the swagger-ui-dist version package.json pins exactly", async () => {
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    const pinned = (require("../../package.json") as { dependencies: Record<string, string> }).dependencies["swagger-ui-dist"];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect((require("swagger-ui-dist/package.json") as { version: string }).version).toBe(pinned);
  });

  it("with DOCS_ENABLED=false answers 404 for the reference (and, without the key, 401 as for any path)", async () => {
    const { url } = await start({ API_KEY: "docs-key", DOCS_ENABLED: "false" });
    for (const path of ["/docs", "/openapi.json", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"]) {
      expect((await fetch(`${url}${path}`, { headers: { "x-api-key": "docs-key" } })).status, path).toBe(404);
      expect((await fetch(`${url}${path}`)).status, path).toBe(401);
    }
  });
});
