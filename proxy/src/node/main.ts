/** `npm start`: the proxy on Node. Without TRITON_URL it serves MODEL_REPOSITORY with the embedded runtime. */
import { ConfigError } from "../app/config.js";
import { startProxy } from "./server.js";

try {
  const proxy = await startProxy(process.env);
  const { backend, config } = proxy.services;
  const upstream = backend === "embedded" ? "embedded runtime (onnxruntime-node, CPU)" : config.TRITON_URL.join(", ");
  console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", msg: "listening", url: proxy.url, upstream }));
  const stop = () => {
    void proxy.close().finally(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (err) {
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  console.error(`gpu-bridge proxy failed to start: ${message}`);
  process.exit(1);
}
