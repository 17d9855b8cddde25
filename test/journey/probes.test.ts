/**
 * The shipped health checks, run as written in docker-compose.yml and deploy/k8s/base (parsed from the files), and
 * the openclaw container's way to the proxy (compose's GPU_BRIDGE_URL, i.e. `Host: proxy`), against a proxy process
 * with API_KEY and each documented ALLOWED_HOSTS setting: probes by IP or on /health never meet the host check.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FIXTURE_ENV } from "../support/fixture-env.js";
import { FIXTURE_REPOSITORY, REPO_ROOT } from "../support/fixtures.js";
import { startProxyProcess, type ProxyProcess } from "../support/proxy-process.js";

const API_KEY = "probe-test-key";
/** A pod IP as the kubelet addresses the container. */
const POD_IP = "10.244.1.7";

interface ComposeService {
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
}
interface Probe {
  httpGet: { path: string; port: string | number; host?: string; httpHeaders?: { name: string; value: string }[] };
}
interface Container {
  name: string;
  ports: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
}

async function readYaml<T>(path: string): Promise<T> {
  return parse(await readFile(join(REPO_ROOT, path), "utf8")) as T;
}

const compose = await readYaml<{ services: Record<string, ComposeService> }>("docker-compose.yml");
const deployment = await readYaml<{ spec: { template: { spec: { containers: Container[] } } } }>("deploy/k8s/base/proxy-deployment.yaml");
const container = deployment.spec.template.spec.containers.find((c) => c.name === "proxy") as Container;
const k8sProbes = (["startupProbe", "readinessProbe", "livenessProbe"] as const).flatMap((kind) => {
  const probe = container[kind];
  return probe ? [{ kind, probe }] : [];
});
/** The openclaw container's base URL for the proxy (its service name in compose). */
const openclawUrl = new URL(compose.services.openclaw?.environment?.GPU_BRIDGE_URL ?? "");

/** Compose's CMD healthcheck as written, in the environment the proxy container gives it (PORT set). */
function composeHealthcheck(port: number): Promise<number | null> {
  const test = compose.services.proxy?.healthcheck?.test ?? [];
  expect(test[0]).toBe("CMD");
  const [command, ...args] = test.slice(1) as [string, ...string[]];
  const child = spawn(command === "node" ? process.execPath : command, args, { env: { ...process.env, PORT: String(port) }, stdio: "ignore" });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** A GET with an explicit Host header, as the kubelet (pod IP) or another container (service name) sends it. */
function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The kubelet's httpGet probe: Host is the pod IP (httpGet.host unset) and the named container port. */
function kubeletProbe(port: number, probe: Probe): Promise<{ status: number; body: string }> {
  const named = container.ports.find((p) => p.name === probe.httpGet.port)?.containerPort ?? probe.httpGet.port;
  const headers: Record<string, string> = { host: `${probe.httpGet.host ?? POD_IP}:${named}`, "user-agent": "kube-probe/1.31" };
  for (const { name, value } of probe.httpGet.httpHeaders ?? []) headers[name.toLowerCase()] = value;
  return get(port, probe.httpGet.path, headers);
}

/** The ALLOWED_HOSTS settings README and .env.example document: unset, a public name, the public name and `proxy`. */
const SETTINGS = [undefined, "gpu.example.com", `gpu.example.com,${openclawUrl.hostname}`];

const proxies: ProxyProcess[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

describe.each(SETTINGS)("the shipped probes with API_KEY and ALLOWED_HOSTS=%s", (allowedHosts) => {
  let proxy: ProxyProcess;
  let port: number;

  it("start the proxy", async () => {
    proxy = await startProxyProcess({
      ...FIXTURE_ENV,
      MODEL_REPOSITORY: FIXTURE_REPOSITORY,
      API_KEY,
      ...(allowedHosts === undefined ? {} : { ALLOWED_HOSTS: allowedHosts }),
    });
    proxies.push(proxy);
    port = Number(new URL(proxy.url).port);
  });

  it("compose's healthcheck command, as written, exits 0", async () => {
    expect(await composeHealthcheck(port), proxy.output()).toBe(0);
  });

  it("the kubelet's probes of deploy/k8s/base/proxy-deployment.yaml answer 2xx", async () => {
    expect(k8sProbes.length).toBeGreaterThan(0);
    for (const { kind, probe } of k8sProbes) {
      const res = await kubeletProbe(port, probe);
      expect(res.status, `${kind}: ${res.body}`).toBeGreaterThanOrEqual(200);
      expect(res.status, `${kind}: ${res.body}`).toBeLessThan(400);
    }
  });

  it("the openclaw container (Host: proxy) gets /health, and the API where ALLOWED_HOSTS names it or is unset", async () => {
    const host = openclawUrl.host;
    expect((await get(port, "/health", { host })).status).toBe(200);
    const info = await get(port, "/info", { host, "x-api-key": API_KEY });
    if (allowedHosts === undefined || allowedHosts.split(",").includes(openclawUrl.hostname)) {
      expect(info.status, info.body).toBe(200);
    } else {
      // the refusal says what to set
      expect(info.status).toBe(403);
      expect((JSON.parse(info.body) as { detail: string }).detail).toContain(`add '${openclawUrl.hostname}' to ALLOWED_HOSTS`);
    }
  });
});
