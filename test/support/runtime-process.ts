/**
 * The runtime's standalone KServe v2 server (`npm run runtime`) as a child process on a free loopback port: the
 * workerd suite's Triton and the benchmark's upstream.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";

const CLI = createRequire(import.meta.url).resolve("@gpu-bridge/runtime/cli");
const LISTENING = /runtime listening on (http:\/\/\S+)/;

export interface RuntimeProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startRuntimeProcess(repository: string, extraArgs: string[] = [], timeoutMs = 60_000): Promise<RuntimeProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", CLI, "--port", "0", "--host", "127.0.0.1", "--model-repository", repository, ...extraArgs],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`runtime did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve({ url: match[1], child, stop });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`runtime exited with ${code}:\n${output}`));
    });
  });
}
