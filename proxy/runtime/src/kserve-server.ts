/**
 * KServe v2 HTTP endpoints as Triton serves them, over a loaded repository. A Hono app; `app.fetch` is the
 * in-process `(Request) => Promise<Response>` and the standalone server's handler.
 */
import { Hono, type Context } from "hono";
import {
  binaryOutputNames,
  decodeInferRequest,
  encodeInferResponse,
  parseHeaderLength,
} from "@gpu-bridge/kserve/binary";
import { KServeError, invalidArgument, notFound, toKServeError } from "@gpu-bridge/kserve/errors";
import type { LoadedRepository } from "./repository.js";
import { checkInputs, type RuntimeModel } from "./served-model.js";
import { repositoryIndex, serverMetadata } from "./server-description.js";

export interface KServeServerOptions {
  /** Largest request body accepted (default 64 MiB). */
  maxBodyBytes?: number;
  log?: (message: string) => void;
}

function errorResponse(err: unknown, log: (m: string) => void, signal: AbortSignal): Response {
  const error = toKServeError(err);
  // a cancelled inference ends with its abort reason; nobody is left to read the answer
  if (!(err instanceof KServeError) && !signal.aborted) log(`[runtime] internal error: ${(err as Error)?.stack ?? String(err)}`);
  return error.toResponse();
}

export function createKServeApp(repository: LoadedRepository, options: KServeServerOptions = {}): Hono {
  const log = options.log ?? ((m: string) => console.error(m));
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const app = new Hono();
  const empty = (c: Context, status: 200 | 400) => c.body(null, status);

  const model = (name: string, version: string | undefined): RuntimeModel => {
    const found = repository.models.get(name);
    if (!found) throw notFound(`Request for unknown model: '${name}' is not found`);
    if (version !== undefined && version !== "" && version !== found.version) {
      throw notFound(`Request for unknown model: '${name}' version ${version} is not found`);
    }
    return found;
  };

  app.onError((err, c) => errorResponse(err, log, c.req.raw.signal));
  app.notFound(() => notFound("Not Found").toResponse());

  app.get("/v2", (c) => c.json(serverMetadata()));
  app.get("/v2/health/live", (c) => empty(c, 200));
  app.get("/v2/health/ready", (c) => empty(c, repository.models.size > 0 ? 200 : 400));

  for (const prefix of ["/v2/models/:model", "/v2/models/:model/versions/:version"]) {
    app.get(prefix, (c) => c.json(model(c.req.param("model") ?? "", c.req.param("version")).metadata));
    app.get(`${prefix}/ready`, (c) => {
      try {
        model(c.req.param("model") ?? "", c.req.param("version"));
        return empty(c, 200);
      } catch {
        return empty(c, 400);
      }
    });
    app.get(`${prefix}/config`, (c) => c.json(model(c.req.param("model") ?? "", c.req.param("version")).config));
    app.post(`${prefix}/infer`, async (c) => {
      const served = model(c.req.param("model") ?? "", c.req.param("version"));
      const declared = Number(c.req.header("content-length") ?? 0);
      if (declared > maxBodyBytes) throw invalidArgument(`request body of ${declared} bytes exceeds ${maxBodyBytes}`);
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (body.byteLength > maxBodyBytes) throw invalidArgument(`request body of ${body.byteLength} bytes exceeds ${maxBodyBytes}`);
      const headerLength = parseHeaderLength(c.req.raw.headers, body.byteLength);
      const request = decodeInferRequest(body, headerLength);
      const inputs = checkInputs(served, request);
      // A caller that goes away (client closed, deadline passed) stops the inference before its next encoder run.
      const outputs = await served.infer(inputs, request.parameters ?? {}, c.req.raw.signal);
      const wanted = request.outputs?.length ? new Set(request.outputs.map((o) => o.name)) : undefined;
      const selected = wanted ? outputs.filter((t) => wanted.has(t.name)) : outputs;
      const encoded = encodeInferResponse(
        {
          model_name: served.name,
          model_version: served.version,
          ...(request.id !== undefined ? { id: request.id } : {}),
          outputs: selected,
        },
        binaryOutputNames(request, selected.map((t) => t.name)),
      );
      return new Response(encoded.body, { status: 200, headers: encoded.headers });
    });
  }

  app.post("/v2/repository/index", (c) => c.json(repositoryIndex(repository)));

  return app;
}
