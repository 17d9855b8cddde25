/**
 * One resumable, verified download: bytes go to `<dest>.partial`, a later call resumes it with an HTTP Range
 * request, the checksum is checked over the whole file, and only a verified file is renamed onto `dest`.
 * The hub gives a sha256 for files it keeps in large-file storage and only git's blob id (a sha1 over
 * `blob <size>\0` and the bytes) for the others, so both are accepted.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { hubGet, type FetchFn } from "./hub-http.js";

export type Checksum = { sha256: string } | { gitBlobSha1: string; size: number };

export class ChecksumMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
    algorithm = "sha256",
  ) {
    super(`${algorithm} mismatch for ${file}: expected ${expected}, got ${actual}`);
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
  checksum: Checksum;
  /** The file's size where the hub's metadata gives it (the progress total; Content-Length may count gzip's bytes). */
  size?: number;
  headers?: Record<string, string>;
  progress?: DownloadProgress;
  fetchFn?: FetchFn;
  /** Told of retries. */
  log?: (message: string) => void;
}

function newHash(checksum: Checksum): Hash {
  if ("sha256" in checksum) return createHash("sha256");
  return createHash("sha1").update(`blob ${checksum.size}\0`);
}

const expectedDigest = (checksum: Checksum) => ("sha256" in checksum ? checksum.sha256 : checksum.gitBlobSha1);
const algorithmName = (checksum: Checksum) => ("sha256" in checksum ? "sha256" : "git blob sha1");

export async function fileDigest(file: string, checksum: Checksum): Promise<string> {
  const hash = newHash(checksum);
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/** Downloads `url` to `dest` unless `dest` already has the checksum. Returns "cached" or "downloaded". */
export async function downloadVerified(options: DownloadOptions): Promise<"cached" | "downloaded"> {
  const { url, dest, checksum } = options;
  const expected = expectedDigest(checksum);
  if (existsSync(dest) && (await fileDigest(dest, checksum)) === expected) return "cached";
  await mkdir(path.dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  const have = existsSync(partial) ? (await stat(partial)).size : 0;

  const res = await hubGet({
    url,
    // the file's own bytes, not a compressed encoding of them: a Range counts them and the checksum is over them
    headers: { ...options.headers, "accept-encoding": "identity", ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
    ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  if (res.status === 416 && have > 0) {
    // the partial file is already complete (or longer than the file): verify it as is
  } else if (res.status === 416 || !res.body) {
    throw new Error(`GET ${url}: HTTP ${res.status}`);
  }
  // a server that ignores Range answers 200 with the whole file: start again from its first byte
  const resumed = res.status === 206;
  const hash = newHash(checksum);
  if (resumed || res.status === 416) {
    for await (const chunk of createReadStream(partial)) hash.update(chunk as Buffer);
  }
  const offset = resumed ? have : 0;
  // a compressed answer's Content-Length counts the compressed bytes, not the file's
  const length = res.headers.has("content-encoding") ? NaN : offset + Number(res.headers.get("content-length") ?? NaN);
  options.progress?.start(options.size ?? (Number.isFinite(length) ? length : undefined), offset);

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
  if (actual !== expected) {
    await rm(partial, { force: true });
    throw new ChecksumMismatchError(path.basename(dest), expected, actual, algorithmName(checksum));
  }
  await rename(partial, dest);
  return "downloaded";
}
