/** Swagger UI's files for /docs from the pinned swagger-ui-dist package in node_modules, read once and kept. */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DocsAssetName, DocsAssets } from "../app/routes/docs.js";

export function packageDocsAssets(): DocsAssets {
  const folder = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const files = new Map<DocsAssetName, Promise<string>>();
  return (name) => {
    let file = files.get(name);
    if (!file) {
      file = readFile(join(folder, name), "utf8");
      files.set(name, file);
    }
    return file;
  };
}
