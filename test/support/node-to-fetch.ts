/**
 * Serves a Node `http` request with a fetch-shaped handler (the embedded runtime's, in tests): the body read
 * whole, the answer buffered so a test server can delay, alter or cut it before writing it out.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export type FetchHandler = (request: Request) => Promise<Response>;

export interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Asks `handler` for the answer to `req` (whose body was already read), keeping the raw request target. */
export async function answerWith(handler: FetchHandler, req: IncomingMessage, body: Buffer): Promise<Answer> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === "host" || name === "connection") continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const method = req.method ?? "GET";
  const response = await handler(
    new Request(`http://127.0.0.1${req.url ?? "/"}`, {
      method,
      headers,
      ...(method === "GET" || method === "HEAD" ? {} : { body: new Uint8Array(body) }),
    }),
  );
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/**
 * Writes `answer`. A `declaredLength` longer than the body announces bytes that never come: the connection is
 * cut after the body, as when a server dies mid-answer.
 */
export function writeAnswer(res: ServerResponse, answer: Answer, declaredLength = answer.body.length): void {
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (name !== "content-length" && name !== "transfer-encoding" && name !== "connection") headers[name] = value;
  });
  headers["content-length"] = String(declaredLength);
  res.writeHead(answer.status, headers);
  if (declaredLength === answer.body.length) res.end(answer.body);
  else res.write(answer.body, () => res.socket?.destroy());
}
