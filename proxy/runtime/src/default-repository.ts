/**
 * The model repository the runtime and the model fetcher use when none is given (MODEL_REPOSITORY, `repository`,
 * `--out`): the checkout's triton-models/, the nearest one above this module, which holds the same whether it runs
 * from proxy/runtime/src or bundled into proxy/dist; elsewhere (an image without a checkout) ./triton-models.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPOSITORY_FOLDER = "triton-models";

/** The nearest `triton-models/` in `start` or a folder above it, else `triton-models` in the working directory. */
export function findModelRepository(start: string): string {
  for (let folder = start; ; folder = path.dirname(folder)) {
    const candidate = path.join(folder, REPOSITORY_FOLDER);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(folder) === folder) return path.resolve(REPOSITORY_FOLDER);
  }
}

export const DEFAULT_MODEL_REPOSITORY = findModelRepository(path.dirname(fileURLToPath(import.meta.url)));
