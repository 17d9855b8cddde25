/**
 * One resumable, verified download: bytes go to `<dest>.partial`, a later call resumes it with an HTTP Range
 * request, the sha256 is checked over the whole file, and only a verified file is renamed onto `dest`.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

export class ChecksumMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`sha256 mismatch for ${file}: expected ${expected}, got ${actual}`);
    this.name = "ChecksumMismatchError";
  }
}

export interface DownloadProgress {
  /** Bytes already on disk when the transfer started (resumed). */
  start(total: number | undefined, resumedFrom: number): void;
  advance(bytes: number): void;
  done(): void;
}

export interface DownloadOptions {
  url: string;
  dest: string;
  sha256: string;
  headers?: Record<string, string>;
  progress?: DownloadProgress;
  fetchFn?: typeof fetch;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/** Downloads `url` to `dest` unless `dest` already has the checksum. Returns "cached" or "downloaded". */
export async function downloadVerified(options: DownloadOptions): Promise<"cached" | "downloaded"> {
  const { url, dest, sha256 } = options;
  const fetchFn = options.fetchFn ?? fetch;
  if (existsSync(dest) && (await sha256File(dest)) === sha256) return "cached";
  await mkdir(path.dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  const have = existsSync(partial) ? (await stat(partial)).size : 0;

  const res = await fetchFn(url, {
    headers: { ...options.headers, ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
    redirect: "follow",
  }).catch((err: Error) => {
    throw new Error(`GET ${url}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
  });
  if (res.status === 416 && have > 0) {
    // the partial file is already complete (or longer than the file): verify it as is
  } else if (!res.ok || !res.body) {
    throw new Error(`GET ${url}: HTTP ${res.status}`);
  }
  const resumed = res.status === 206;
  const hash = createHash("sha256");
  if (resumed || res.status === 416) {
    for await (const chunk of createReadStream(partial)) hash.update(chunk as Buffer);
  }
  const offset = resumed ? have : 0;
  const length = Number(res.headers.get("content-length") ?? NaN);
  options.progress?.start(Number.isFinite(length) ? offset + length : undefined, offset);

  if (res.status !== 416 && res.body) {
    const counter = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        hash.update(chunk);
        options.progress?.advance(chunk.length);
        callback(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>),
      counter,
      createWriteStream(partial, { flags: resumed ? "a" : "w" }),
    );
  }
  options.progress?.done();
  const actual = hash.digest("hex");
  if (actual !== sha256) {
    await rm(partial, { force: true });
    throw new ChecksumMismatchError(path.basename(dest), sha256, actual);
  }
  await rename(partial, dest);
  return "downloaded";
}
