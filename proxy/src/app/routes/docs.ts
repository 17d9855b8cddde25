/**
 * GET /openapi.json (generated from the zod schemas) and GET /docs, the API reference: Swagger UI from the pinned
 * swagger-ui-dist package, its script and stylesheet served by the proxy itself under /docs/ (no CDN: the page
 * works offline and runs no third-party code in the proxy's origin). Where the host has no such files (Workers,
 * whose bundle does not carry them), /docs is a plain page listing the routes, with a link to /openapi.json.
 * Both hold no data: public unless DOCS_ENABLED=false, which removes them (404).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../types.js";

export const OPENAPI_INFO = {
  title: "GPU Bridge",
  version: "0.1.0",
  description:
    "BERTScore and text embeddings served by NVIDIA Triton (or the embedded ONNX Runtime), behind one small proxy. " +
    "Errors are `{\"detail\": ..., \"code\": ...}`; see the `Error` schema for the codes.",
};

/** The Swagger UI files the page loads, by their name under /docs/. */
export const DOCS_ASSETS = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
} as const;

export type DocsAssetName = keyof typeof DOCS_ASSETS;

/** Reads a Swagger UI file (Node: from node_modules); absent where the host cannot. */
export type DocsAssets = (name: DocsAssetName) => Promise<string>;

/** Whether a path belongs to the API reference (public unless DOCS_ENABLED=false). */
export function isDocsPath(path: string): boolean {
  return path === "/openapi.json" || path === "/docs" || path.startsWith("/docs/");
}

/** Only this origin's scripts and styles (Swagger UI sets inline styles on its elements). */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; frame-ancestors 'none'";

// Relative URLs: /docs/<file> and /openapi.json also behind a front proxy that mounts the API under a prefix.
const SWAGGER_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GPU Bridge API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

const SWAGGER_INIT = `window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true });\n`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The routes of the OpenAPI document as a plain page, for hosts without the Swagger UI files. */
function plainPage(paths: Record<string, Record<string, { summary?: string }>>): string {
  const rows = Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(
      ([method, op]) => `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? "")}</td></tr>`,
    ),
  );
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>GPU Bridge API</title></head>
<body>
<h1>GPU Bridge API</h1>
<p>${escapeHtml(OPENAPI_INFO.description)}</p>
<p>The OpenAPI document: <a href="openapi.json">openapi.json</a> (open it in any OpenAPI viewer). The interactive
reference is served by the proxy on Node.</p>
<table>
<tr><th>method</th><th>path</th><th>what</th></tr>
${rows.join("\n")}
</table>
</body>
</html>
`;
}

export function registerDocs(app: OpenAPIHono<AppEnv>, assets: DocsAssets | undefined): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", { type: "apiKey", in: "header", name: "X-API-Key" });
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer" });
  const document = { openapi: "3.1.0", info: OPENAPI_INFO };
  app.doc31("/openapi.json", document);
  if (!assets) {
    app.get("/docs", (c) => c.html(plainPage(app.getOpenAPI31Document(document).paths as never)));
    return;
  }
  app.get("/docs", (c) => c.html(SWAGGER_PAGE, 200, { "Content-Security-Policy": CSP }));
  app.get("/docs/init.js", (c) => c.body(SWAGGER_INIT, 200, { "Content-Type": "text/javascript; charset=utf-8" }));
  for (const [name, type] of Object.entries(DOCS_ASSETS)) {
    app.get(`/docs/${name}`, async (c) =>
      c.body(await assets(name as DocsAssetName), 200, { "Content-Type": type, "Cache-Control": "public, max-age=86400" }),
    );
  }
}
