/** GET /openapi.json (generated from the zod schemas) and GET /docs (Scalar API reference). */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { AppEnv } from "../types.js";

export const OPENAPI_INFO = {
  title: "GPU Bridge",
  version: "0.1.0",
  description:
    "BERTScore and text embeddings served by NVIDIA Triton (or the embedded ONNX Runtime), behind one small proxy. " +
    "Errors are `{\"detail\": ..., \"code\": ...}`; see the `Error` schema for the codes.",
};

export function registerDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", { type: "apiKey", in: "header", name: "X-API-Key" });
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer" });
  app.doc31("/openapi.json", { openapi: "3.1.0", info: OPENAPI_INFO });
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "GPU Bridge API" }));
}
