/** What the runtime says of itself and its repository, the same in process and over its KServe v2 server. */
import type { RepositoryIndexEntry, ServerMetadata } from "@gpu-bridge/kserve/types";
import proxyPackage from "../package.json" with { type: "json" };
import type { LoadedRepository } from "./repository.js";

export const SERVER_NAME = "gpu-bridge-runtime";
export const EXTENSIONS = ["binary_tensor_data", "model_configuration", "model_repository"];

export function serverMetadata(): ServerMetadata {
  return { name: SERVER_NAME, version: proxyPackage.version, extensions: EXTENSIONS };
}

/** Every model found: the served ones READY, the others UNAVAILABLE with the reason, by name. */
export function repositoryIndex(repository: LoadedRepository): RepositoryIndexEntry[] {
  return [
    ...[...repository.models.values()].map((m) => ({ name: m.name, version: m.version, state: "READY" })),
    ...[...repository.skipped].map(([name, reason]) => ({ name, state: "UNAVAILABLE", reason })),
  ].sort((a, b) => a.name.localeCompare(b.name));
}
