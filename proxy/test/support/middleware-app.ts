/** One middleware alone in a Hono app with the proxy's error answers, so a unit test sees its status and code. */
import { Hono, type MiddlewareHandler } from "hono";
import { errorResponse, toApiError } from "../../src/app/error-response.js";
import type { AppEnv } from "../../src/app/types.js";

/** POST and GET /echo answer 200 with the body text the middleware let through (or "ok"). */
export function middlewareApp(middleware: MiddlewareHandler<AppEnv>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(middleware);
  app.get("/echo", (c) => c.text("ok"));
  app.post("/echo", async (c) => c.text(await c.req.text()));
  app.onError((err, c) => errorResponse(c, toApiError(err)));
  return app;
}

/** The status and error code of an answer (code undefined on success); takes what app.request gives. */
export async function outcome(answer: Response | Promise<Response>): Promise<{ status: number; code: string | undefined }> {
  const response = await answer;
  const body = response.ok ? undefined : ((await response.json()) as { code?: string });
  return { status: response.status, code: body?.code };
}
