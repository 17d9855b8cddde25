/**
 * The files one /embed crosses on the embedded runtime: V8's precise coverage of the proxy's main thread and of its
 * inference worker, counted from zero after a warm-up, read after one one-text request over HTTP. A file counts when
 * one of its functions ran; files outside the project (node_modules, Node) and this script are left out. Prints the files by
 * package and writes the count to bench-results/embed-path.json.
 *
 *   npx tsx bench/embed-path.ts        env: BENCH_REPOSITORY (default: the tiny test models)
 */
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";
import { writeBenchResult } from "./results.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const REPOSITORY = process.env.BENCH_REPOSITORY ?? `${ROOT}test/fixtures/model-repository`;
const WARM_UP = 20;

interface FunctionCoverage {
  ranges: { count: number }[];
}
interface ScriptCoverage {
  url: string;
  functions: FunctionCoverage[];
}

/** A protocol session: the main thread's own, or a worker's through the main thread's (NodeWorker domain). */
type Post = (method: string, params?: object) => Promise<unknown>;

const session = new Session();
session.connect();
const workers: Post[] = [];
const pending = new Map<number, (result: unknown) => void>();
let nextId = 1;
session.on("NodeWorker.receivedMessageFromWorker", ({ params }) => {
  const message = JSON.parse(params.message) as { id?: number; result?: unknown };
  if (message.id !== undefined) pending.get(message.id)?.(message.result);
});
session.on("NodeWorker.attachedToWorker", ({ params }) => {
  const post: Post = (method, parameters = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      void session.post("NodeWorker.sendMessageToWorker", { sessionId: params.sessionId, message: JSON.stringify({ id, method, params: parameters }) });
    });
  workers.push(post);
  void (async () => {
    await post("Profiler.enable");
    await post("Profiler.startPreciseCoverage", { callCount: true, detailed: false });
    await post("Runtime.runIfWaitingForDebugger");
  })();
});
const main: Post = (method, params) => session.post(method, params);
await main("NodeWorker.enable", { waitForDebuggerOnStart: true });
await main("Profiler.enable");
await main("Profiler.startPreciseCoverage", { callCount: true, detailed: false });

const { startProxy } = await import("@gpu-bridge/proxy/server");
const proxy = await startProxy({ MODEL_REPOSITORY: REPOSITORY, RUNTIME_WORKERS: "1", HOST: "127.0.0.1", PORT: "0", LOG_REQUESTS: "false" });
const embed = async () => {
  const res = await fetch(`${proxy.url}/embed`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ texts: ["The quick brown fox."] }) });
  if (res.status !== 200) throw new Error(`/embed answered ${res.status}`);
  await res.arrayBuffer();
};

/** Project files with a function that ran since the last call (taking the coverage resets its counts). */
async function ranSince(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [thread, post] of [["main", main], ...workers.map((w) => ["worker", w] as const)] as const) {
    const { result } = (await post("Profiler.takePreciseCoverage")) as { result: ScriptCoverage[] };
    for (const script of result) {
      if (!script.url.startsWith("file://")) continue;
      const file = fileURLToPath(script.url);
      if (!file.startsWith(ROOT) || file.includes("/node_modules/")) continue;
      if (file === fileURLToPath(import.meta.url) || !script.functions.some((f) => (f.ranges[0]?.count ?? 0) > 0)) continue;
      const name = file.slice(ROOT.length);
      const seen = files.get(name);
      files.set(name, seen && seen !== thread ? `${seen}, ${thread}` : thread);
    }
  }
  return files;
}

try {
  for (let i = 0; i < WARM_UP; i++) await embed();
  await ranSince();
  await embed();
  const files = await ranSince();
  const byPackage = new Map<string, string[]>();
  for (const [file, thread] of [...files].sort()) {
    const pkg = /^proxy\/(contract|kserve|runtime)\//.exec(file)?.[1] ?? (file.startsWith("proxy/") ? "proxy" : file.split("/")[0] ?? "");
    byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), `${file} (${thread})`]);
  }
  for (const [pkg, list] of byPackage) console.log(`${pkg}: ${list.length}\n  ${list.join("\n  ")}`);
  console.log(`${files.size} files in ${byPackage.size} packages`);
  const file = await writeBenchResult("embed-path", [
    { key: "embed_path_files", label: "files one embedded /embed crosses (main thread and worker)", value: files.size, unit: "files", target: "<= 20" },
  ], { files: Object.fromEntries(files) });
  console.log(`written to ${file}`);
} finally {
  await proxy.close();
  session.disconnect();
}
