/** fetch-models against a local hub stand-in on 127.0.0.1 serving the committed test-model files. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { ChecksumMismatchError } from "./download.js";
import { fetchModels } from "./fetch-models.js";

const FILES = ["tiny-bert/1/model.onnx", "tiny-bert/1/tokenizer.json"];
const content = new Map(FILES.map((f) => [f, readFileSync(path.join(FIXTURE_REPOSITORY, f))]));
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const manifest = { files: FILES.map((f) => ({ path: f, sha256: sha(content.get(f) as Buffer), size: content.get(f)?.length })) };
// what `main` names; files are served at this commit alone, as pinned downloads ask for them
const COMMIT = "c0ffee0123456789abcdef0123456789abcdef01";

interface Hub {
  server: Server;
  baseUrl: string;
  requests: { path: string; range: string | undefined }[];
  /** Close the connection after this many bytes of the next response for a path. */
  cutAfter: Map<string, number>;
  /** Bytes served instead of the real ones for a path. */
  corrupt: Set<string>;
}

function startHub(): Promise<Hub> {
  const hub: Omit<Hub, "server" | "baseUrl"> = { requests: [], cutAfter: new Map(), corrupt: new Set() };
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? "");
    if (url === "/api/models/test-org/test-models/revision/main?blobs=true") {
      hub.requests.push({ path: url, range: undefined });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sha: COMMIT, siblings: [] }));
      return;
    }
    const match = /^\/test-org\/test-models\/resolve\/([0-9a-f]{40})\/(.+)$/.exec(url);
    const file = match?.[1] === COMMIT ? (match[2] ?? "") : "";
    hub.requests.push({ path: file, range: req.headers.range });
    let body = file === "manifest.json" ? Buffer.from(JSON.stringify(manifest)) : content.get(file);
    if (!body) {
      res.writeHead(404).end("not found");
      return;
    }
    if (hub.corrupt.has(file)) body = Buffer.from(body.map((b) => b ^ 1));
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const part = body.subarray(start);
    res.writeHead(range ? 206 : 200, {
      "content-length": String(part.length),
      ...(range ? { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    const cut = hub.cutAfter.get(file);
    if (cut !== undefined) {
      hub.cutAfter.delete(file);
      // let the client read what was sent before the connection drops
      res.write(part.subarray(0, cut), () => setTimeout(() => res.destroy(), 200));
      return;
    }
    res.end(part);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ ...hub, server, baseUrl: `http://127.0.0.1:${port}` });
    }),
  );
}

let hub: Hub;
let out: string;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await new Promise((resolve) => hub.server.close(resolve));
});
beforeEach(async () => {
  hub.requests.length = 0;
  out = await mkdtemp(path.join(os.tmpdir(), "fetch-models-"));
  return () => rm(out, { recursive: true, force: true });
});

const options = () => ({ baseUrl: hub.baseUrl, repo: "test-org/test-models", out });

describe("fetch-models", () => {
  it("downloads every file of the manifest, verified, into the repository layout", async () => {
    const results = await fetchModels(options());
    expect(results).toEqual(FILES.map((file) => ({ file, result: "downloaded" })));
    for (const f of FILES) expect(sha(await readFile(path.join(out, f)))).toBe(sha(content.get(f) as Buffer));
    const again = await fetchModels(options());
    expect(again.map((r) => r.result)).toEqual(["cached", "cached"]);
  });

  it("resumes an interrupted download with a Range request", async () => {
    const file = "tiny-bert/1/model.onnx";
    hub.cutAfter.set(file, 100_000);
    await expect(fetchModels(options())).rejects.toThrow(/terminated/);
    const dest = path.join(out, file);
    expect(existsSync(dest)).toBe(false);
    const kept = readFileSync(`${dest}.partial`).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(100_000);
    hub.requests.length = 0;
    await fetchModels(options());
    expect(hub.requests.find((r) => r.path === file)?.range).toBe(`bytes=${kept}-`);
    expect(sha(await readFile(dest))).toBe(manifest.files[0]?.sha256);
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });

  it("fails on a checksum mismatch and leaves no file behind", async () => {
    hub.corrupt.add("tiny-bert/1/tokenizer.json");
    try {
      const err = await fetchModels(options()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChecksumMismatchError);
      expect((err as Error).message).toMatch(/sha256 mismatch for tokenizer.json/);
      const dest = path.join(out, "tiny-bert/1/tokenizer.json");
      expect(existsSync(dest)).toBe(false);
      expect(existsSync(`${dest}.partial`)).toBe(false);
    } finally {
      hub.corrupt.clear();
    }
  });

  it("reports an unreachable hub or a missing repository clearly", async () => {
    await expect(fetchModels({ ...options(), repo: "test-org/nothing" })).rejects.toThrow(/test-org\/nothing\/revision\/main\?blobs=true: HTTP 404/);
  });

  it("takes the manifest and every file from the one commit the revision names", async () => {
    await fetchModels(options());
    const [first, ...rest] = hub.requests.map((r) => r.path);
    expect(first).toBe("/api/models/test-org/test-models/revision/main?blobs=true");
    expect(rest).toEqual(["manifest.json", ...FILES]);
  });
});
