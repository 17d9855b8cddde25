/** The hub's model API read as fetch-models needs it, and downloads verified by git's blob id. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChecksumMismatchError, downloadVerified } from "./download.js";
import { checkRepoId, resolveRevision, resolveUrl } from "./hub-api.js";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const body = Buffer.from('{"hidden_size": 384}\n');
const gitBlobSha1 = createHash("sha1").update(`blob ${body.length}\0`).update(body).digest("hex");

const answer = (json: unknown, status = 200): typeof fetch =>
  (async () => new Response(JSON.stringify(json), { status })) as typeof fetch;

describe("resolveRevision", () => {
  it("pins the commit and takes sha256 from LFS files and git's blob id from the others", async () => {
    const requested: string[] = [];
    const fetchFn = (async (url: string) => {
      requested.push(url);
      return new Response(
        JSON.stringify({
          sha: COMMIT,
          siblings: [
            { rfilename: "config.json", size: body.length, blobId: gitBlobSha1 },
            { rfilename: "onnx/model.onnx", size: 9, blobId: "f".repeat(40), lfs: { sha256: "a".repeat(64), size: 90_000 } },
            { rfilename: "README.md" },
          ],
        }),
      );
    }) as typeof fetch;
    const revision = await resolveRevision({ baseUrl: "http://hub.test/", repo: "org/name", revision: "main", fetchFn });
    expect(requested).toEqual(["http://hub.test/api/models/org/name/revision/main?blobs=true"]);
    expect(revision.commit).toBe(COMMIT);
    expect(revision.files.get("onnx/model.onnx")).toEqual({ size: 90_000, checksum: { sha256: "a".repeat(64) } });
    expect(revision.files.get("config.json")).toEqual({ size: body.length, checksum: { gitBlobSha1, size: body.length } });
    expect(revision.files.has("README.md")).toBe(false);
  });

  it("refuses an answer that is not the hub's model info, and says the status of an error", async () => {
    await expect(resolveRevision({ baseUrl: "http://hub.test", repo: "o/n", revision: "main", fetchFn: answer({ sha: "main" }) })).rejects.toThrow(
      /not the hub's model info/,
    );
    await expect(resolveRevision({ baseUrl: "http://hub.test", repo: "o/n", revision: "main", fetchFn: answer({}, 404) })).rejects.toThrow(/HTTP 404/);
  });

  it("never puts an odd repository id into a URL", () => {
    for (const repo of ["../etc", "org/../x", "a/b/c", "org/na me", "", "/abs"]) expect(() => checkRepoId(repo)).toThrow(/not a hub repository id/);
    expect(resolveUrl("http://hub.test", "org/name", COMMIT, "onnx/model.onnx")).toBe(`http://hub.test/org/name/resolve/${COMMIT}/onnx/model.onnx`);
  });
});

describe("downloadVerified with git's blob id", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "hub-api-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const serve = (bytes: Buffer): typeof fetch => (async () => new Response(bytes)) as typeof fetch;

  it("keeps a file whose blob id matches", async () => {
    const dest = path.join(dir, "config.json");
    const checksum = { gitBlobSha1, size: body.length };
    expect(await downloadVerified({ url: "http://hub.test/f", dest, checksum, fetchFn: serve(body) })).toBe("downloaded");
    expect(readFileSync(dest)).toEqual(body);
    expect(await downloadVerified({ url: "http://hub.test/f", dest, checksum, fetchFn: serve(body) })).toBe("cached");
  });

  it("refuses one whose blob id differs and leaves nothing behind", async () => {
    const dest = path.join(dir, "config.json");
    const err = await downloadVerified({
      url: "http://hub.test/f",
      dest,
      checksum: { gitBlobSha1, size: body.length },
      fetchFn: serve(Buffer.from('{"hidden_size": 385}\n')),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toMatch(/^git blob sha1 mismatch for config.json/);
    expect(existsSync(dest) || existsSync(`${dest}.partial`)).toBe(false);
  });
});
