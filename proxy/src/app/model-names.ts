/**
 * What a model name from a request is when it matches no served model (upstream/catalog.ts says which names match):
 * a Hugging Face id or not, exportable or not, and how it is shown back in the error.
 */
import { MODELS } from "@gpu-bridge/contract/model-contract";

/** Longest request name quoted back in an error; the rest is counted, not echoed. */
const MAX_ECHOED = 100;

/** Hugging Face repository ids: `name` or `org/name`, each part starting alphanumeric, at most 96 characters. */
const HUB_ID = /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** How a model is added to the repository on the GPU box (export-scripts). */
export const EXPORT_COMMAND = "gpu-bridge-export export";

export function isHubId(name: string): boolean {
  return HUB_ID.test(name) && !name.includes("..");
}

/** The export catalogue's names (export-scripts' catalog.py); other bare names (`text-embedding-3-small`) may be any
 * vendor's, so only these and `org/name` ids get an export command. */
const CATALOGUE_NAMES = new Set([MODELS.encoderMiniLM, MODELS.encoderRobertaLarge].map((name) => name.toLowerCase()));

/** Whether `gpu-bridge-export export <name>` can be suggested for a name: a catalogue name or an `org/name` hub id. */
export function isExportable(name: string): boolean {
  return isHubId(name) && (name.includes("/") || CATALOGUE_NAMES.has(name.toLowerCase()));
}

/** A request's model name for an error message: quoted, cut at MAX_ECHOED characters. */
export function quoteName(name: string): string {
  if (name.length <= MAX_ECHOED) return `'${name}'`;
  return `'${name.slice(0, MAX_ECHOED)}…' (${name.length} characters)`;
}
