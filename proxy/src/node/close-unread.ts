/**
 * A response sent before its request's body has arrived (413 on a declared or streamed size, 415, 401 on a POST…)
 * says `Connection: close`. Otherwise a keep-alive client sends its next request on a socket that
 * @hono/node-server drains for at most 500 ms and then destroys, and that request is lost.
 */
import type { Http2Bindings, HttpBindings } from "@hono/node-server";

export type NodeHandler = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

export function closeWhenBodyUnread(handler: NodeHandler): NodeHandler {
  return async (request, env) => {
    const response = await handler(request, env);
    // `complete`: the whole message was parsed off the socket, whether or not anyone read the body.
    if (!env.incoming.complete && env.incoming.httpVersionMajor === 1) env.outgoing.setHeader("Connection", "close");
    return response;
  };
}
