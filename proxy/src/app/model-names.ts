/**
 * Which names a served model answers to, and how a name from a request is shown back. A model answers to its
 * public name (`model_name`), its Hugging Face id (`hub_id`, e.g. `FacebookAI/roberta-large`) and the short form of
 * each (the part after the organisation); nothing else, so `http://evil/all-MiniLM-L6-v2` matches nothing.
 * Compared case-insensitively, as the hub resolves ids.
 */
import { MODELS } from "@gpu-bridge/contract/model-contract";

/** Longest request name quoted back in an error; the rest is counted, not echoed. */
const MAX_ECHOED = 100;

/** Hugging Face repository ids: `name` or `org/name`, each part starting alphanumeric, at most 96 characters. */
const HUB_ID = /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** How a model is added to the repository on the GPU box (export-scripts). */
export const EXPORT_COMMAND = "gpu-bridge-export export";

const shortName = (name: string) => name.slice(name.lastIndexOf("/") + 1);

/**
 * The lower-cased names a model with this public name and hub id answers to: `exact` (its names as given) and
 * `short` (without the organisation). Where names collide, an exact name wins over another model's short form.
 */
export function acceptedNames(publicName: string, hubId: string | undefined): { exact: string[]; short: string[] } {
  const exact = hubId ? [publicName, hubId] : [publicName];
  const lower = (names: string[]) => [...new Set(names.map((name) => name.toLowerCase()).filter((name) => name.length > 0))];
  return { exact: lower(exact), short: lower(exact.map(shortName)) };
}

/** The key a requested name is looked up by. */
export function lookupKey(requested: string): string {
  return requested.toLowerCase();
}

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
