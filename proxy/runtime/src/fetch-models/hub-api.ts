/**
 * The Hugging Face hub's model API as far as fetch-models needs it: a revision resolved to its commit, and each
 * file's size and checksum (`GET /api/models/{repo}/revision/{revision}?blobs=true`, as huggingface_hub's
 * `model_info(files_metadata=True)` asks), so that downloads are pinned to one commit and verified.
 */
import { z } from "zod";
import type { Checksum } from "./download.js";
import { hubGet, type HubRequest } from "./hub-http.js";

const RevisionInfoSchema = z.object({
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  siblings: z.array(
    z.object({
      rfilename: z.string(),
      size: z.number().int().nonnegative().optional(),
      blobId: z.string().regex(/^[0-9a-f]{40}$/).optional(),
      lfs: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }).optional(),
    }),
  ),
});

export interface HubFile {
  size: number;
  checksum: Checksum;
}

export interface HubRevision {
  repo: string;
  commit: string;
  files: Map<string, HubFile>;
}

/** Repository ids as the hub spells them: `name` or `org/name`, plain characters, never `..`. */
const REPO_ID = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function checkRepoId(repo: string): string {
  if (!REPO_ID.test(repo) || repo.includes("..")) throw new Error(`not a hub repository id: ${JSON.stringify(repo)}`);
  return repo;
}

export function hubBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}

export function resolveUrl(baseUrl: string, repo: string, revision: string, file: string): string {
  const encoded = file.split("/").map(encodeURIComponent).join("/");
  return `${hubBase(baseUrl)}/${checkRepoId(repo)}/resolve/${encodeURIComponent(revision)}/${encoded}`;
}

export async function resolveRevision(
  options: Omit<HubRequest, "url"> & { baseUrl: string; repo: string; revision: string },
): Promise<HubRevision> {
  const url = `${hubBase(options.baseUrl)}/api/models/${checkRepoId(options.repo)}/revision/${encodeURIComponent(options.revision)}?blobs=true`;
  const res = await hubGet({ url, ...options });
  const parsed = RevisionInfoSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new Error(`GET ${url}: not the hub's model info (${parsed.error.issues[0]?.message})`);
  const files = new Map<string, HubFile>();
  for (const s of parsed.data.siblings) {
    if (s.lfs) files.set(s.rfilename, { size: s.lfs.size, checksum: { sha256: s.lfs.sha256 } });
    else if (s.blobId && s.size !== undefined) {
      files.set(s.rfilename, { size: s.size, checksum: { gitBlobSha1: s.blobId, size: s.size } });
    }
  }
  return { repo: options.repo, commit: parsed.data.sha, files };
}
