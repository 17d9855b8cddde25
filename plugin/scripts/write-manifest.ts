/** Writes openclaw.plugin.json from src/manifest.ts (run by `npm run build`; a test checks it is current). */
import { readFileSync, writeFileSync } from "node:fs";
import { buildManifest } from "../src/manifest.js";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
const target = new URL("../openclaw.plugin.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(buildManifest(pkg.version), null, 2)}\n`);
console.log(`wrote ${target.pathname.split("/").slice(-2).join("/")}`);
